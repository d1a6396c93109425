"""Interface languages (English, French, Dutch) with Flask-Babel.

Each part of the interface keeps its own catalogue, ``geo_service/translations/<lang>/<part>.po``;
at start-up they are merged and compiled to ``<cache>/translations/<hash>/<lang>/LC_MESSAGES/messages.mo``,
keyed by the sources' content (dates lie across checkouts sharing one cache), so no binary file
lives in the repository. The language comes from
``?lang=``, then the ``lang`` cookie, then the browser's Accept-Language.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request
from flask_babel import Babel

from .. import formatting
from ..names import LANGUAGES

TRANSLATIONS_SRC = Path(__file__).resolve().parent.parent / "translations"


def compile_catalogues(target: Path) -> Path:
    """Merge every ``<lang>/*.po`` under ``TRANSLATIONS_SRC`` into
    ``target/<sources hash>/<lang>/LC_MESSAGES/messages.mo`` and return that folder. Keyed by the
    sources' content, like every derived file in the cache: two checkouts (or releases) sharing one
    cache never read each other's translations."""
    languages = sorted(p for p in TRANSLATIONS_SRC.iterdir() if p.is_dir())
    sources = {lang_dir.name: sorted(lang_dir.glob("*.po")) for lang_dir in languages}
    digest = hashlib.sha256()
    for lang, paths in sources.items():
        for path in paths:
            digest.update(f"{lang}/{path.name}".encode() + b"\0" + path.read_bytes() + b"\0")
    folder = target / digest.hexdigest()[:16]
    for lang, paths in sources.items():
        mo_path = folder / lang / "LC_MESSAGES" / "messages.mo"
        if not paths or mo_path.exists():
            continue
        merged = Catalog(locale=lang)
        for po_path in paths:
            with open(po_path, "rb") as fh:
                for message in read_po(fh, locale=lang):
                    if message.id and message.string:
                        merged.add(message.id, message.string)
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".tmp")  # several processes may compile at once
        with os.fdopen(fd, "wb") as fh:
            write_mo(fh, merged)
        os.replace(tmp, mo_path)
    return folder


def select_language() -> str:
    asked = request.args.get("lang") or request.cookies.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or "en"


def _page_lang() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en")


def register_format_filters(app: Flask) -> None:
    """Jinja filters writing numbers and dates in the page's language (``geo_service.formatting``):
    ``{{ value|num }}``, ``{{ value|num(1) }}``, ``{{ rate|pct }}``, ``{{ distance|km }}``,
    ``{{ gap|num(1, sign=True) }}``, ``{{ iso_date|longdate }}``."""
    app.jinja_env.filters.update(
        num=lambda value, digits=0, sign=False: formatting.number(value, _page_lang(), digits, sign),
        pct=lambda value, digits=1: formatting.percent(value, _page_lang(), digits),
        km=lambda value, digits=1: formatting.km(value, _page_lang(), digits),
        longdate=lambda value: formatting.date(value, _page_lang()),
    )


def translator() -> Callable[..., str]:
    """``gettext`` for the current request, its translations looked up once: flask_babel's own
    looks them up again at every call, and one gaps map asks for about 13,000 texts. Called like
    it: ``t("Hello %(name)s", name="Anvers")``."""
    from flask_babel import get_translations

    lookup = get_translations().ugettext

    def t(string: str, **variables) -> str:
        text = lookup(string)
        return text % variables if variables else text

    return t


def init_i18n(app: Flask, compiled_dir: Path) -> Babel:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compile_catalogues(compiled_dir))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    register_format_filters(app)
    return Babel(app, locale_selector=select_language)
