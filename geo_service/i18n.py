"""Interface languages (English, French, Dutch) with Flask-Babel.

The ``.po`` catalogues in ``geo_service/translations`` are the source; they are compiled to
``.mo`` in the cache folder at start-up when newer, so no binary file lives in the repository.
The language comes from ``?lang=``, then the ``lang`` cookie, then the browser's Accept-Language.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request
from flask_babel import Babel

from .names import LANGUAGES

TRANSLATIONS_SRC = Path(__file__).resolve().parent / "translations"


def compile_catalogues(target: Path) -> Path:
    """Compile every ``.po`` under ``TRANSLATIONS_SRC`` into ``target`` (same layout)."""
    for po_path in TRANSLATIONS_SRC.rglob("*.po"):
        mo_path = target / po_path.relative_to(TRANSLATIONS_SRC).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with open(po_path, "rb") as fh:
            catalog = read_po(fh)
        tmp = mo_path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            write_mo(fh, catalog)
        tmp.replace(mo_path)
    return target


def select_language() -> str:
    asked = request.args.get("lang") or request.cookies.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or "en"


def init_i18n(app: Flask, compiled_dir: Path) -> Babel:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compile_catalogues(compiled_dir))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    return Babel(app, locale_selector=select_language)
