"""Area names in the page language, with the area's own official name as the fallback.

Communes have official names in Dutch, French and German only: an English page shows their
local name. Provinces and regions also have an English name (``name_en``, from
``data/reference/area_names_en.csv``), which English pages show ("Province of Flemish Brabant")."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("en", "fr", "nl")
FLANDERS, WALLONIA, BRUSSELS = "02000", "03000", "04000"
# the name columns of the province and region tables (communes and arrondissements have no name_en)
AREA_NAME_LANGUAGES = ("nl", "fr", "de", "en")


def _text(value) -> str | None:
    """A name, or None for a missing one (NaN in pandas tables)."""
    return value if isinstance(value, str) and value else None


def local_name(row: Mapping) -> str:
    """The official name as used locally: Dutch in Flanders, French in Wallonia, both in Brussels
    when they differ (:func:`display_name` adds the German name where one exists)."""
    nl, fr, de = (_text(row.get(f"name_{lang}")) for lang in ("nl", "fr", "de"))
    region = row.get("region")
    if region == FLANDERS:
        return nl or fr
    if region == WALLONIA:
        return fr or nl
    if nl and fr and nl != fr:
        return f"{fr} / {nl}"
    return fr or nl or de or ""


def name_in(row: Mapping, lang: str) -> str:
    """Name in ``lang`` (fr, nl, de, en) where one exists, else the local name (for a commune
    on an English page: communes have no English name)."""
    if lang in AREA_NAME_LANGUAGES:
        value = _text(row.get(f"name_{lang}"))
        if value:
            return value
    return local_name(row)


def display_name(row: Mapping, lang: str) -> str:
    """:func:`name_in`, followed by the German name in brackets where one exists and differs
    (the German-speaking communes: "Saint-Vith (Sankt Vith)" on a French page)."""
    name = name_in(row, lang)
    german = _text(row.get("name_de"))
    if german and german != name:
        return f"{name} ({german})"
    return name


def names_by_code(frame, lang: str, german: bool = True) -> dict[str, str]:
    """{code: name in ``lang``} for every row of an area table (index = NIS code)."""
    pick = display_name if german else name_in
    columns = [c for c in (*(f"name_{x}" for x in AREA_NAME_LANGUAGES), "region") if c in frame.columns]
    records = frame[columns].to_dict("index")
    if "region" not in columns:  # the regions table: each region is its own region
        records = {code: dict(row, region=code) for code, row in records.items()}
    return {code: pick(row, lang) for code, row in records.items()}


def text_in(texts: Mapping | None, lang: str, fallback=None):
    """A catalogue text (``names``, ``descriptions``, ``notes``: ``{lang: text}``) in ``lang``,
    else the record's own single-language text ``fallback`` (a name needs no translation when
    it has one form only: "Duo for a Job")."""
    if isinstance(texts, Mapping):
        value = _text(texts.get(lang))
        if value:
            return value
    return fallback if _text(fallback) else None


def record_name(names: Mapping | None, name: str, lang: str) -> str:
    """An initiative's name on a page in ``lang``: its own ``name`` on English pages (the
    catalogue's ``names.en`` is often a search alias such as "one stop shop"), else its name in
    that language where the catalogue gives one ("Plateforme citoyenne de soutien aux réfugiés")."""
    return name if lang == "en" else text_in(names, lang, name)
