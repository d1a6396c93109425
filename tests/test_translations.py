"""Every message the interface can show has a French and a Dutch translation.

Messages are extracted with Babel, as ``pybabel extract`` would: the Python extractor over
``geo_service/**/*.py`` with the keywords ``_``, ``gettext``, ``ngettext`` and ``t`` (the
translate function the Flask-free modules receive), the Jinja2 extractor over
``templates/**/*.html``; plus the values of the vocabularies in ``mapviews/labels.py`` and the
other English strings that reach ``t`` through a variable (``EXTRA`` below), which no extractor
can see. A message counts as translated when any part file ``translations/<lang>/*.po`` (merged
at start-up, see ``geo_service.web.i18n``) gives it a non-empty translation, with every plural form.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from geo_service.mapviews import employment, labels

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "t": None, "lazy_gettext": None}
METHODS = [("geo_service/**.py", "python"), ("templates/**.html", "jinja2")]
JINJA_OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.do,jinja2.ext.loopcontrols"}}


def _extracted() -> dict[str | tuple, list[str]]:
    messages: dict[str | tuple, list[str]] = {}
    for folder, method in (("geo_service", "python"), ("templates", "jinja2")):
        found = extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python")] if method == "python" else [("**.html", "jinja2")],
            keywords=KEYWORDS,
            strip_comment_tags=True,
        )
        for filename, lineno, message, _comments, _context in found:
            if not message or (isinstance(message, tuple) and not message[0]):
                continue
            key = message if isinstance(message, str) else tuple(m for m in message if m)
            if isinstance(key, tuple) and len(key) == 1:
                key = key[0]
            messages.setdefault(key, []).append(f"{folder}/{filename}:{lineno}")
    return messages


def _vocabulary() -> dict[str, list[str]]:
    """English labels handed to ``t`` through dicts and tables (invisible to the extractor)."""
    out: dict[str, list[str]] = {}
    for name in dir(labels):
        value = getattr(labels, name)
        if name.endswith("_LABELS") and isinstance(value, dict):
            for text in value.values():
                out.setdefault(text, []).append(f"mapviews/labels.py:{name}")
    from geo_service.mapviews.profiles import FIGURE_LABELS

    for text in FIGURE_LABELS.values():
        out.setdefault(text, []).append("mapviews/profiles.py:FIGURE_LABELS")
    for name in ("CONCEPTS", "GROUPS"):
        for value in getattr(employment, name).values():
            for text in value if isinstance(value, tuple) else (value,):
                out.setdefault(text, []).append(f"mapviews/employment.py:{name}")
    for original, intermediary in employment.SOURCES.values():
        for text in (original, intermediary):
            out.setdefault(text, []).append("mapviews/employment.py:SOURCES")
    for _prefix, _rates, groups in employment.SERIES.values():
        out.setdefault(groups, []).append("mapviews/employment.py:SERIES")
    from geo_service.api import fields
    from geo_service.api.collections import CATALOGUE_COLLECTIONS, LEVEL_COLLECTIONS
    from geo_service.api.documents import TITLE, landing

    shown_by_api = [text for _level, *texts in LEVEL_COLLECTIONS.values() for text in texts]
    shown_by_api += [text for texts in CATALOGUE_COLLECTIONS.values() for text in texts] + [
        TITLE,
        landing("")["description"],
    ]
    for text in [
        *fields.TITLES.values(),
        *(t for _p, t in fields.PATTERNS),
        *fields.UNITS.values(),
        *fields.LINK_TITLES,
        *fields.DOCUMENT_KEYS.values(),
        *fields.REASONS,
        *shown_by_api,
    ]:
        out.setdefault(text, []).append("api/fields.py")
    from geo_service.indicators.status import KIND_NOUNS

    for text in KIND_NOUNS.values():
        out.setdefault(text, []).append("indicators/status.py:KIND_NOUNS")
    return out


def _catalogue(lang: str) -> dict[str, object]:
    merged: dict[str, object] = {}
    for path in sorted((ROOT / "geo_service" / "translations" / lang).glob("*.po")):
        with open(path, "rb") as fh:
            for message in read_po(fh, locale=lang):
                if not message.id:
                    continue
                string = message.string
                complete = all(string) if isinstance(string, tuple) else bool(string)
                if complete:
                    key = message.id if isinstance(message.id, str) else tuple(message.id)
                    merged[key] = string
    return merged


@pytest.fixture(scope="module")
def wanted() -> dict:
    return {**_vocabulary(), **_extracted()}


def test_extraction_finds_the_interface_messages(wanted):
    # the extractor really reads templates and code: known messages of each source are found
    assert "Skip to content" in wanted  # templates/base.html
    assert "no employment figures loaded" in wanted  # mapviews/employment.py through t(...)
    assert ("%(num)s area", "%(num)s areas") in wanted  # ngettext in templates/maps/_macros.html
    assert "Citizen initiative" in wanted  # labels.py vocabulary
    assert len(wanted) > 300


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_every_message_has_a_translation(wanted, lang):
    catalogue = _catalogue(lang)
    missing = {message: places[0] for message, places in wanted.items() if message not in catalogue}
    report = "\n".join(f"  {where}: {message!r}" for message, where in sorted(missing.items(), key=lambda kv: kv[1]))
    assert not missing, f"{len(missing)} messages without a {lang} translation:\n{report}"
