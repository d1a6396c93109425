"""Parsing and validating query parameters: every bad value is a 400 with a message saying why."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from ..errors import InvalidParameter
from ..names import LANGUAGES
from ..search import check_query
from .crs import CRS84, bbox_to_crs84, parse_crs

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
COMMON = frozenset({"f", "lang"})
# Part 6 (properties, and skipGeometry of its proposal) shapes each feature, on items and on one item
FEATURE = COMMON | {"crs", "properties", "skipGeometry"}
ITEMS = FEATURE | {"limit", "offset", "bbox", "bbox-crs", "datetime", "q", "sortby"}
FORMATS = ("json", "html")
MAX_LISTED_FILTERS = 12  # an unknown-parameter message names the filters when there are at most this many
_DATE = r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?"
DATETIME_PATTERN = rf"^({_DATE}|({_DATE}|\.\.|)/({_DATE}|\.\.|))$"
_DATETIME = re.compile(DATETIME_PATTERN)


@dataclass(frozen=True)
class FeatureView:
    """How each feature is written: ``properties`` None for the collection's default set, else
    exactly these, in this order (Part 6); ``skip_geometry``: ``"geometry": null``."""

    properties: tuple[str, ...] | None = None  # pragma: no mutate
    skip_geometry: bool = False


@dataclass(frozen=True)
class ItemsQuery:
    """A validated items request; ``key()`` identifies the response variant (for ETags and memo)."""

    # no mutate on the `X | None` fields: mutmut turns the annotation's `|` into `&`, which postponed annotations
    # never evaluate (an equivalent mutant); the mutant of their default (None -> "") is killed by test_defaults
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None  # CRS84  # pragma: no mutate
    crs: str = CRS84
    filters: tuple[tuple[str, str], ...] = ()
    datetime: str | None = None  # pragma: no mutate
    q: str | None = None  # free text  # pragma: no mutate
    view: FeatureView = field(default_factory=lambda: FeatureView())
    sortby: tuple[tuple[str, bool], ...] = ()  # (property, descending), first key first

    def key(self) -> tuple:
        return (self.limit, self.offset, self.bbox, self.crs, self.filters, self.q, self.view, self.sortby)


def check_known(args, allowed, filters: Collection[str] = ()) -> None:
    """400 for a parameter the operation does not define (``allowed``, or a property filter of
    ``filters``), or an unknown ``lang``. The message names the filters when they are few, else
    points to the queryables (a layer has up to about 150)."""
    unknown = sorted(set(args) - set(allowed) - set(filters))
    if unknown:
        if len(filters) > MAX_LISTED_FILTERS:
            named = f"{', '.join(sorted(allowed))}, and {len(filters)} property filters (see the queryables)"
        else:
            named = ", ".join(sorted({*allowed, *filters}))
        raise InvalidParameter(
            f"Unknown query parameter(s): {', '.join(unknown)}. Allowed here: {named}", parameter=unknown[0]
        )
    if "lang" in args and args["lang"] not in LANGUAGES:
        raise InvalidParameter(f"lang must be one of {', '.join(LANGUAGES)}, got '{args['lang']}'", parameter="lang")


def parse_format(value: str | None) -> str | None:
    if value is None:
        return None
    if value not in FORMATS:
        raise InvalidParameter(f"Unsupported f='{value}'; use one of: {', '.join(FORMATS)}", parameter="f")
    return value


def _integer(name: str, value: str, minimum: int | None = None, maximum: int | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be an integer, got '{value}'", parameter=name) from None
    if minimum is not None and number < minimum:
        raise InvalidParameter(f"{name} must be at least {minimum}, got {number}", parameter=name)
    if maximum is not None and number > maximum:
        raise InvalidParameter(f"{name} must be at most {maximum}, got {number}", parameter=name)
    return number


def parse_bbox(value: str, bbox_crs: str) -> tuple[float, float, float, float]:
    parts = value.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise InvalidParameter(
            f"bbox must be 4 or 6 comma-separated numbers, got '{value}'", parameter="bbox"
        ) from None
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise InvalidParameter(
            f"bbox must be 4 or 6 comma-separated finite numbers (minx,miny,maxx,maxy), got '{value}'",
            parameter="bbox",
        )
    box = numbers if len(numbers) == 4 else [numbers[0], numbers[1], numbers[3], numbers[4]]
    if box[0] > box[2] or box[1] > box[3]:
        raise InvalidParameter(f"bbox lower corner must not exceed the upper corner: '{value}'", parameter="bbox")
    # two mutants of the next line survive and are equivalent: `box[0] <= 181` and `-181 <= box[2]` (box[0] <= box[2]
    # holds here); no pragma, which would also drop the 22 mutants of the line that the tests kill
    if bbox_crs == CRS84 and not (-180 <= box[0] <= 180 and -180 <= box[2] <= 180 and -90 <= box[1] <= box[3] <= 90):
        raise InvalidParameter(f"bbox '{value}' is outside longitude -180..180 / latitude -90..90", parameter="bbox")
    return tuple(bbox_to_crs84(tuple(box), bbox_crs))


def _filter(name: str, value: str, schema: dict) -> str:
    """The filter value, checked against the queryable's type (integers compare as written)."""
    if schema["type"] == "integer":
        return str(_integer(name, value))
    if schema["type"] == "boolean" and value not in ("true", "false"):
        raise InvalidParameter(f"{name} must be true or false, got '{value}'", parameter=name)
    return value


def parse_boolean(name: str, value: str | None) -> bool:
    if value is None:
        return False
    if value not in ("true", "false"):
        raise InvalidParameter(f"{name} must be true or false, got '{value}'", parameter=name)
    return value == "true"


def parse_properties(value: str | None, returnables: Collection[str]) -> tuple[str, ...] | None:
    """``properties=a,b`` (OGC API - Features Part 6): these properties, in this order, each once;
    an empty value selects none; an empty or unknown name is a 400 (Part 6 permits refusing it)."""
    if value is None:
        return None
    if value == "":
        return ()
    names = [n.strip() for n in value.split(",")]
    if not all(names):
        raise InvalidParameter(f"properties must be a list of property names, got '{value}'", parameter="properties")
    unknown = [n for n in names if n not in returnables]
    if unknown:
        raise InvalidParameter(
            f"properties: unknown property '{unknown[0]}' (the collection's properties are listed in its schema)",
            parameter="properties",
        )
    return tuple(dict.fromkeys(names))


def parse_sortby(value: str | None, sortables: Collection[str]) -> tuple[tuple[str, bool], ...]:
    """``sortby=-pop_2025_total,name_fr`` (Part 8): keys in order, ``-`` descending, ``+`` or no
    sign ascending. A ``+`` sent unencoded arrives as a space (form encoding) and counts as ``+``."""
    if value is None:
        return ()
    keys, seen = [], set()
    for item in value.split(","):
        descending = item.startswith("-")
        name = item[1:] if item[:1] in ("+", "-", " ") else item
        if not name.strip():
            raise InvalidParameter(
                f"sortby must be a list of properties, each with an optional + or -, got '{value}'", parameter="sortby"
            )
        if name not in sortables:
            raise InvalidParameter(
                f"sortby: '{name}' is not sortable here (the collection's sortables are listed at its sortables)",
                parameter="sortby",
            )
        if name not in seen:
            seen.add(name)
            keys.append((name, descending))
    return tuple(keys)


def parse_view(args, returnables: Collection[str]) -> FeatureView:
    """``properties`` and ``skipGeometry``, for items and for one item."""
    return FeatureView(
        parse_properties(args.get("properties"), returnables), parse_boolean("skipGeometry", args.get("skipGeometry"))
    )


def parse_items(
    args, queryables: Mapping[str, dict], returnables: Collection[str] = (), sortables: Collection[str] = ()
) -> ItemsQuery:
    """Validate ``args`` (a mapping of name -> first value) against the items operation of a
    collection with these queryables (filters), returnables (``properties``) and sortables."""
    check_known(args, ITEMS, queryables)
    parse_format(args.get("f"))
    limit = min(_integer("limit", args["limit"], 1), MAX_LIMIT) if "limit" in args else DEFAULT_LIMIT
    offset = _integer("offset", args["offset"], 0) if "offset" in args else 0
    crs = parse_crs(args.get("crs"), "crs")
    bbox_crs = parse_crs(args.get("bbox-crs"), "bbox-crs")
    bbox = parse_bbox(args["bbox"], bbox_crs) if "bbox" in args else None
    when = args.get("datetime")
    if when is not None and not _DATETIME.match(when):
        raise InvalidParameter(f"datetime must be an RFC 3339 instant or interval, got '{when}'", parameter="datetime")
    filters = tuple(sorted((name, _filter(name, args[name], queryables[name])) for name in queryables if name in args))
    text = check_query(args.get("q")) or None
    return ItemsQuery(
        limit=limit,
        offset=offset,
        bbox=bbox,
        crs=crs,
        filters=filters,
        datetime=when,
        q=text,
        view=parse_view(args, returnables),
        sortby=parse_sortby(args.get("sortby"), sortables),
    )
