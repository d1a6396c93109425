"""Compiled translations follow the catalogues' content, not their dates (two checkouts sharing
one cache folder used to keep each other's stale .mo)."""

from __future__ import annotations

import os

from babel.messages.mofile import read_mo

from geo_service.web import i18n


def _po(text: str) -> str:
    return f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\nmsgid "Map"\nmsgstr "{text}"\n'


def test_a_changed_catalogue_is_recompiled_even_when_it_looks_older(tmp_path, monkeypatch):
    source = tmp_path / "src" / "fr"
    source.mkdir(parents=True)
    po = source / "part.po"
    po.write_text(_po("Carte"), encoding="utf-8")
    monkeypatch.setattr(i18n, "TRANSLATIONS_SRC", tmp_path / "src")
    target = tmp_path / "compiled"

    def compiled(folder) -> str:
        with open(folder / "fr" / "LC_MESSAGES" / "messages.mo", "rb") as fh:
            return read_mo(fh).get("Map").string

    first = i18n.compile_catalogues(target)
    assert compiled(first) == "Carte"
    po.write_text(_po("Plan"), encoding="utf-8")
    os.utime(po, (1, 1))  # older than the compiled file, as after a checkout of another branch
    second = i18n.compile_catalogues(target)
    assert compiled(second) == "Plan"
    assert compiled(first) == "Carte", "the other checkout sharing the cache keeps its own translations"
    po.write_text(_po("Carte"), encoding="utf-8")
    assert i18n.compile_catalogues(target) == first, "the same sources are not compiled twice"


def test_the_resolved_translator_says_what_gettext_says(app):
    """``translator()`` (one lookup of the request's translations) gives flask_babel's texts,
    with and without variables, in each language."""
    from flask_babel import gettext

    from geo_service.web.i18n import translator

    for lang in ("fr", "nl", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            t = translator()
            assert t("Communes") == gettext("Communes")
            text = "Status of the communes: %(kind)s"
            assert t(text, kind="x") == gettext(text, kind="x") and "x" in t(text, kind="x")
    for lang in ("fr", "nl"):  # translated, not passed through
        with app.test_request_context(f"/?lang={lang}"):
            assert translator()("Report a correction") not in ("", "Report a correction")
