"""Area names in the page language, with the area's own official name as the fallback."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("en", "fr", "nl")
FLANDERS, WALLONIA, BRUSSELS = "02000", "03000", "04000"


def local_name(row: Mapping) -> str:
    """The official name as used locally: Dutch in Flanders, French (or German) in Wallonia,
    both in Brussels when they differ."""
    nl, fr, de = row.get("name_nl"), row.get("name_fr"), row.get("name_de")
    region = row.get("region")
    if region == FLANDERS:
        return nl or fr
    if region == WALLONIA:
        return fr or nl
    if nl and fr and nl != fr:
        return f"{fr} / {nl}"
    return fr or nl or de or ""


def name_in(row: Mapping, lang: str) -> str:
    """Name in ``lang`` (fr, nl, de) where one exists, else the local name (always for en)."""
    if lang in ("fr", "nl", "de"):
        value = row.get(f"name_{lang}")
        if value:
            return value
    return local_name(row)
