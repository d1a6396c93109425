"""Service areas: the communes an office or network is mandated to serve, from unit references
such as ``region:04000`` or ``set:german_speaking``."""

from __future__ import annotations

import csv

from ..settings import PROJECT_DATA


def named_sets() -> dict[str, set[str]]:
    with open(PROJECT_DATA / "reference" / "german_speaking_communes.csv", encoding="utf-8") as fh:
        german = {row["nis_2025"] for row in csv.DictReader(fh)}
    return {"german_speaking": german}


def resolve_unit(token: str, communes, sets: dict[str, set[str]]) -> set[str]:
    """Communes of one unit reference; ValueError when the unit does not exist."""
    level, _, code = token.partition(":")
    if level == "set":
        if code not in sets:
            raise ValueError(f"unknown commune set '{code}' (known: {', '.join(sorted(sets))})")
        return set(sets[code])
    if level == "commune":
        if code not in communes.index:
            raise ValueError(f"'{code}' is not a 2025 commune code")
        return {code}
    column = {"region": "region", "province": "province", "arrondissement": "arrondissement"}[level]
    members = set(communes.index[communes[column] == code])
    if not members:
        raise ValueError(f"{level} '{code}' has no commune in 2025")
    return members


def resolve_area(definition: dict, communes, sets: dict[str, set[str]]) -> set[str]:
    included: set[str] = set()
    for token in definition["include"]:
        included |= resolve_unit(token, communes, sets)
    for token in definition.get("exclude") or []:
        included -= resolve_unit(token, communes, sets)
    return included
