"""Search over every language (Flask-free): communes by any of their names, initiatives, sites and
service areas by their names in every language (the ``names`` dict), their operator and the place
names of their sites. Used by the ``/search`` page and by the API's ``q=`` filter on items.

Matching is on folded text (case, accents and punctuation ignored: ``Croix-Rouge`` is
``croix rouge``); a query matches a record when it occurs in one of the record's texts. A few
names of one organisation differ between languages without any shared word; the query is widened
to the same name in the other languages (:data:`EQUIVALENT_TERMS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .catalogue.placenames import fold
from .errors import InvalidParameter

MAX_QUERY = 200
# Properties whose text is searched (absent ones are skipped): names in every language,
# operators, place names.
TEXT_PROPERTIES = ("name", "names", "operator", "name_nl", "name_fr", "name_de", "name_en", "place", "places")
# One organisation's name in English, French, Dutch and German (folded). The seed documents call
# the Belgian Red Cross (Croix-Rouge de Belgique, Rode Kruis-Vlaanderen) "the Red Cross":
# ../shared/seeds/000_b4915499b11d7bf0.txt, "THE RED CROSS has 18 reception centres for asylum
# seekers in Belgium".
EQUIVALENT_TERMS: tuple[tuple[str, ...], ...] = (("red cross", "croix rouge", "rode kruis", "rotes kreuz"),)


def check_query(query: str | None, parameter: str = "q") -> str:
    """The query, stripped; 400 naming ``parameter`` when it is longer than :data:`MAX_QUERY`."""
    text = (query or "").strip()
    if len(text) > MAX_QUERY:
        raise InvalidParameter(
            f"{parameter} is too long: at most {MAX_QUERY} characters, got {len(text)}", parameter=parameter
        )
    return text


def phrases(query: str) -> tuple[str, ...]:
    """The folded query and the same query with each equivalent name of another language.
    Commas separate alternative terms (any may match), as in OGC API ``q``."""
    out: set[str] = set()
    for term in query.split(","):
        folded = fold(term)
        if not folded:
            continue
        out.add(folded)
        for group in EQUIVALENT_TERMS:
            for name in group:
                pattern = rf"\b{re.escape(name)}\b"
                if re.search(pattern, folded):
                    out.update(re.sub(pattern, other, folded) for other in group)
    return tuple(sorted(out))


def _strings(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple, set)):
        for v in value:
            yield from _strings(v)


def text_of(record: dict, properties: Iterable[str] = TEXT_PROPERTIES) -> str:
    """The folded, searchable text of a record (one line per name)."""
    return "\n".join(dict.fromkeys(fold(s) for name in properties for s in _strings(record.get(name)) if s))


def matches(text: str, wanted: tuple[str, ...]) -> bool:
    return any(p in text for p in wanted)


class SearchIndex:
    """Folded texts of the communes (every name: official NL/FR/DE, REFNIS exonyms, English
    names and sections through the place resolver) and of the initiatives (names in every
    language, operator, their sites' names and places)."""

    def __init__(self, boundaries, catalogue=None, resolver=None):
        from .catalogue.placenames import PlaceResolver

        self.resolver = resolver or PlaceResolver(boundaries)
        communes = boundaries.communes
        self.communes_text = {
            str(nis): text_of(row)
            for nis, row in zip(communes.index, communes[["name_nl", "name_fr", "name_de"]].to_dict("records"))
        }
        self.initiatives_text: dict[str, str] = {}
        if catalogue is not None:
            sites = catalogue.sites
            places = {
                iid: {"names": list(group["name"].dropna()), "places": list(group["place"].dropna())}
                for iid, group in sites.groupby("initiative_id")
            }
            frame = catalogue.initiatives
            for iid, record in zip(frame.index, frame[["name", "names", "operator"]].to_dict("records")):
                extra = places.get(iid, {})
                self.initiatives_text[str(iid)] = text_of(
                    {**record, "site_names": extra.get("names"), "places": extra.get("places")},
                    (*TEXT_PROPERTIES, "site_names"),
                )

    def exact_communes(self, query: str) -> list[str]:
        """Communes one of whose names (or sections) is exactly ``query``."""
        return self.resolver.candidates(query)

    def communes(self, query: str) -> list[str]:
        """Exact name matches first, then communes a name of which contains the query."""
        wanted = phrases(query)
        partial = [nis for nis, text in self.communes_text.items() if matches(text, wanted)]
        return list(dict.fromkeys(self.exact_communes(query) + partial))

    def initiatives(self, query: str) -> list[str]:
        wanted = phrases(query)
        return [iid for iid, text in self.initiatives_text.items() if matches(text, wanted)]


def index_for(snapshot) -> SearchIndex:
    """The snapshot's search index, built once."""
    return snapshot.derived(
        ("search", "index"),
        lambda: SearchIndex(snapshot.base.boundaries, snapshot.catalogue, snapshot.catalogue.resolver),
    )
