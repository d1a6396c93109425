"""geo_service/api/query.py, parameter by parameter: what each value becomes, and for each bad
value the 400's parameter and message. Written against mutation testing (docs/testing.md):
each case below changes what a user gets if the rule it checks is altered."""

from __future__ import annotations

import dataclasses

import pytest

from geo_service.api.crs import CRS84, LAMBERT72, LAMBERT2008, SUPPORTED
from geo_service.api.query import (
    COMMON,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    FeatureView,
    ItemsQuery,
    check_known,
    parse_bbox,
    parse_format,
    parse_items,
)
from geo_service.errors import InvalidParameter

QUERYABLES = {
    "name": {"type": "string"},
    "province": {"type": "string"},
    "pop": {"type": "integer"},
    "open": {"type": "boolean"},
    "themes": {"type": "array", "items": {"type": "string"}},
}


RETURNABLES = ("id", "name", "province", "pop", "open", "themes", "share")
SORTABLES = ("name", "province", "pop", "open", "share")


def parse(args: dict) -> ItemsQuery:
    return parse_items(args, QUERYABLES, RETURNABLES, SORTABLES)


def refused(args: dict, parameter: str, message: str) -> InvalidParameter:
    """parse_items refuses ``args``: a 400 naming ``parameter`` with exactly ``message``."""
    with pytest.raises(InvalidParameter) as caught:
        parse(args)
    error = caught.value
    assert error.details == {"parameter": parameter}, error.details
    assert error.status == 400 and error.code == "InvalidParameterValue"
    assert error.message == message
    return error


def _out_of_range(value: str) -> str:
    return f"bbox '{value}' is outside longitude -180..180 / latitude -90..90"


def _inverted(value: str) -> str:
    return f"bbox lower corner must not exceed the upper corner: '{value}'"


def _count(value: str) -> str:
    return f"bbox must be 4 or 6 comma-separated finite numbers (minx,miny,maxx,maxy), got '{value}'"


def test_defaults():
    query = parse({})
    assert query == ItemsQuery() == ItemsQuery(DEFAULT_LIMIT, 0, None, CRS84, (), None, None, FeatureView(), ())
    assert (query.limit, query.offset, query.bbox, query.crs, query.filters, query.q) == (100, 0, None, CRS84, (), None)
    assert query.view == FeatureView(None, False) and query.sortby == ()


@pytest.mark.parametrize(
    "value, expected", [("1", 1), ("0100", 100), ("999", 999), ("1000", 1000), ("1001", 1000), ("100000", MAX_LIMIT)]
)
def test_limit_is_kept_up_to_the_maximum(value, expected):
    assert parse({"limit": value}).limit == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("0", "limit must be at least 1, got 0"),
        ("-1", "limit must be at least 1, got -1"),
        ("ten", "limit must be an integer, got 'ten'"),
        ("1.5", "limit must be an integer, got '1.5'"),
        ("", "limit must be an integer, got ''"),
    ],
)
def test_bad_limits(value, message):
    refused({"limit": value}, "limit", message)


@pytest.mark.parametrize("value, expected", [("0", 0), ("1", 1), ("564", 564), ("10000", 10000)])
def test_offset_from_zero(value, expected):
    assert parse({"offset": value}).offset == expected


def test_bad_offsets():
    refused({"offset": "-1"}, "offset", "offset must be at least 0, got -1")
    refused({"offset": "-5"}, "offset", "offset must be at least 0, got -5")
    refused({"offset": "x"}, "offset", "offset must be an integer, got 'x'")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("4,50,5,51", (4.0, 50.0, 5.0, 51.0)),
        ("4,50,0,5,51,100", (4.0, 50.0, 5.0, 51.0)),  # 3D: heights dropped
        ("4,50,-10,5,51,10", (4.0, 50.0, 5.0, 51.0)),
        ("-180,-90,180,90", (-180.0, -90.0, 180.0, 90.0)),  # the edges are inside
        ("180,50,180,51", (180.0, 50.0, 180.0, 51.0)),  # each corner may lie on an edge
        ("-180,50,-180,51", (-180.0, 50.0, -180.0, 51.0)),
        ("4,-90,5,-90", (4.0, -90.0, 5.0, -90.0)),
        ("4,90,5,90", (4.0, 90.0, 5.0, 90.0)),
        ("4,50,4,50", (4.0, 50.0, 4.0, 50.0)),  # a point is a box
        ("-5.5,50,-4,51", (-5.5, 50.0, -4.0, 51.0)),
    ],
)
def test_bbox_values(value, expected):
    query = parse({"bbox": value})
    assert query.bbox == expected and all(isinstance(v, float) for v in query.bbox)


@pytest.mark.parametrize(
    "value, message",
    [
        ("-200,50,5,51", _out_of_range("-200,50,5,51")),
        ("4,50,181,51", _out_of_range("4,50,181,51")),
        ("-181,50,5,51", _out_of_range("-181,50,5,51")),
        ("4,-91,5,51", _out_of_range("4,-91,5,51")),
        ("4,50,5,91", _out_of_range("4,50,5,91")),
        ("5,50,4,51", _inverted("5,50,4,51")),  # x only inverted
        ("4,51,5,50", _inverted("4,51,5,50")),  # y only inverted
        ("4,50,5,51,6,7", _inverted("4,50,5,51,6,7")),  # 6 numbers: 4,50,51 / 5,6,7 is not a box
        ("1,2,3", _count("1,2,3")),
        ("1,2,3,4,5", _count("1,2,3,4,5")),
        ("1,2,3,4,5,6,7", _count("1,2,3,4,5,6,7")),
        ("nan,50,5,51", _count("nan,50,5,51")),
        ("4,50,inf,51", _count("4,50,inf,51")),
        ("4,50,x,51", "bbox must be 4 or 6 comma-separated numbers, got '4,50,x,51'"),
    ],
)
def test_bad_bboxes(value, message):
    refused({"bbox": value}, "bbox", message)


def test_bbox_in_lambert_is_not_held_to_degrees_and_comes_back_in_crs84():
    bbox = parse_bbox("150000,160000,160000,170000", LAMBERT72)
    assert 4.0 < bbox[0] < bbox[2] < 5.0 and 50.5 < bbox[1] < bbox[3] < 51.0
    query = parse({"bbox": "150000,160000,160000,170000", "bbox-crs": "EPSG:31370"})
    assert query.bbox == bbox and query.crs == CRS84


@pytest.mark.parametrize(
    "value, expected",
    [
        ("EPSG:31370", LAMBERT72),
        ("epsg:31370", LAMBERT72),
        (LAMBERT72, LAMBERT72),
        (LAMBERT72.replace("http://", "https://"), LAMBERT72),
        (f"[{LAMBERT2008}]", LAMBERT2008),
        ("EPSG:3812", LAMBERT2008),
        ("CRS84", CRS84),
        ("OGC:CRS84", CRS84),
        (f" {CRS84} ", CRS84),
    ],
)
def test_crs_keeps_what_was_asked(value, expected):
    query = parse({"crs": value})
    assert query.crs == expected
    assert query.key() != ItemsQuery(crs=CRS84 if expected != CRS84 else LAMBERT72).key()


@pytest.mark.parametrize("name", ["crs", "bbox-crs"])
@pytest.mark.parametrize("value", ["EPSG:4326", "", "31370", "http://www.opengis.net/def/crs/EPSG/0/4258"])
def test_unsupported_crs(name, value):
    supported = ", ".join(SUPPORTED)
    refused(
        {name: value, **({"bbox": "4,50,5,51"} if name == "bbox-crs" else {})},
        name,
        f"Unsupported {name} '{value}'. Supported: {supported}",
    )


@pytest.mark.parametrize(
    "args, expected",
    [
        ({"open": "false"}, (("open", "false"),)),
        ({"open": "true"}, (("open", "true"),)),
        ({"pop": "007"}, (("pop", "7"),)),
        ({"pop": "-3"}, (("pop", "-3"),)),
        ({"name": "=x"}, (("name", "=x"),)),
        ({"themes": "language"}, (("themes", "language"),)),
        ({"province": "60000", "name": "Liège"}, (("name", "Liège"), ("province", "60000"))),  # sorted by name
    ],
)
def test_filters(args, expected):
    assert parse_items(args, QUERYABLES).filters == expected


@pytest.mark.parametrize("value", ["False", "TRUE", "0", "1", "yes", ""])
def test_boolean_filters_are_true_or_false_only(value):
    refused({"open": value}, "open", f"open must be true or false, got '{value}'")


def test_integer_filters_must_be_integers_of_any_size():
    """Issue 24: the queryables showed int64 limits as each integer's minimum and maximum; a filter
    now takes any integer (it matches a value or none), so no range is declared."""
    refused({"pop": "1e3"}, "pop", "pop must be an integer, got '1e3'")
    refused({"pop": "3.0"}, "pop", "pop must be an integer, got '3.0'")
    assert parse({"pop": str(-(2**70))}).filters == (("pop", str(-(2**70))),)
    assert parse({"pop": str(2**70)}).filters == (("pop", str(2**70)),)


@pytest.mark.parametrize(
    "value",
    [
        "2020-01-01",
        "2020-01-01T10:00:00Z",
        "2020-01-01T10:00:00.5+01:00",
        "2020-01-01/2021-01-01",
        "../2020-01-01",
        "2020-01-01/..",
        "2020-01-01/",
    ],
)
def test_datetime_accepted(value):
    assert parse({"datetime": value}).datetime == value


@pytest.mark.parametrize(
    "value", ["yesterday", "2020-01-01T10:00:00", "2020-1-1", "x2020-01-01", "2020-01-01x", "2020-01-01/2021"]
)
def test_datetime_refused(value):
    refused({"datetime": value}, "datetime", f"datetime must be an RFC 3339 instant or interval, got '{value}'")


def test_unknown_parameters_are_named_first_in_order():
    refused(
        {"zeta": "1", "alpha": "2", "limit": "5"},
        "alpha",
        "Unknown query parameter(s): alpha, zeta. Allowed here: bbox, bbox-crs, crs, datetime, f, lang, limit, "
        "name, offset, open, pop, properties, province, q, skipGeometry, sortby, themes",
    )


def test_unknown_parameters_with_many_filters_point_to_the_queryables():
    """A layer of ~150 filters: the message names the parameters and counts the filters, so it stays
    short (the error rule would cut it otherwise)."""
    many = {f"p{i:03d}": {"type": "string"} for i in range(13)}
    with pytest.raises(InvalidParameter) as caught:
        parse_items({"nope": "1"}, many)
    assert caught.value.message == (
        "Unknown query parameter(s): nope. Allowed here: bbox, bbox-crs, crs, datetime, f, lang, limit, offset, "
        "properties, q, skipGeometry, sortby, and 13 property filters (see the queryables)"
    )
    assert parse_items({"p012": "x"}, many).filters == (("p012", "x"),)
    with pytest.raises(InvalidParameter) as caught:
        parse_items({"nope": "1"}, dict(list(many.items())[:12]))
    assert "p011, properties" in caught.value.message and "property filters" not in caught.value.message


@pytest.mark.parametrize(
    "value, expected",
    [
        ("name,pop", ("name", "pop")),
        ("pop,name", ("pop", "name")),  # the order asked for
        ("name,name,pop", ("name", "pop")),  # each once
        (" name , pop ", ("name", "pop")),
        ("", ()),  # an empty selection: no property at all
        ("themes", ("themes",)),  # lists too: every property can be selected
    ],
)
def test_properties_select_and_order(value, expected):
    assert parse({"properties": value}).view == FeatureView(expected, False)


def test_unknown_properties_are_refused():
    refused(
        {"properties": "name,nothing"},
        "properties",
        "properties: unknown property 'nothing' (the collection's properties are listed in its schema)",
    )


@pytest.mark.parametrize("value", [",", "name,", ",name", "name,,pop", " "])
def test_empty_names_in_properties_are_refused(value):
    refused({"properties": value}, "properties", f"properties must be a list of property names, got '{value}'")


@pytest.mark.parametrize("value, expected", [("true", True), ("false", False)])
def test_skip_geometry(value, expected):
    assert parse({"skipGeometry": value}).view == FeatureView(None, expected)
    assert parse({"skipGeometry": value, "properties": "pop"}).view == FeatureView(("pop",), expected)


@pytest.mark.parametrize("value", ["True", "1", "yes", ""])
def test_skip_geometry_is_true_or_false_only(value):
    refused({"skipGeometry": value}, "skipGeometry", f"skipGeometry must be true or false, got '{value}'")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("pop", (("pop", False),)),
        ("+pop", (("pop", False),)),
        (" pop", (("pop", False),)),  # "+pop" sent unencoded arrives as " pop"
        ("-pop", (("pop", True),)),
        ("-pop,name", (("pop", True), ("name", False))),
        ("name,-pop,+share", (("name", False), ("pop", True), ("share", False))),
        ("pop,-pop", (("pop", False),)),  # a key once: the first says how
    ],
)
def test_sortby(value, expected):
    assert parse({"sortby": value}).sortby == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("nothing", "sortby: 'nothing' is not sortable here (the collection's sortables are listed at its sortables)"),
        ("themes", "sortby: 'themes' is not sortable here (the collection's sortables are listed at its sortables)"),
        ("--pop", "sortby: '-pop' is not sortable here (the collection's sortables are listed at its sortables)"),
        ("", "sortby must be a list of properties, each with an optional + or -, got ''"),
        ("pop,,name", "sortby must be a list of properties, each with an optional + or -, got 'pop,,name'"),
        ("-", "sortby must be a list of properties, each with an optional + or -, got '-'"),
    ],
)
def test_bad_sortby(value, message):
    refused({"sortby": value}, "sortby", message)


def test_check_known_and_lang():
    check_known({"f": "json", "lang": "nl"}, COMMON)
    with pytest.raises(InvalidParameter) as caught:
        check_known({"limit": "5"}, COMMON)
    assert caught.value.details == {"parameter": "limit"}
    assert caught.value.message == "Unknown query parameter(s): limit. Allowed here: f, lang"
    for lang in ("de", "EN", ""):
        with pytest.raises(InvalidParameter) as caught:
            check_known({"lang": lang}, COMMON)
        assert caught.value.details == {"parameter": "lang"}
        assert caught.value.message == f"lang must be one of en, fr, nl, got '{lang}'"


def test_format():
    assert parse_format(None) is None and parse_format("json") == "json" and parse_format("html") == "html"
    for value in ("JSON", "xml", ""):
        with pytest.raises(InvalidParameter) as caught:
            parse_format(value)
        assert caught.value.details == {"parameter": "f"}
        assert caught.value.message == f"Unsupported f='{value}'; use one of: json, html"
    refused({"f": "xml"}, "f", "Unsupported f='xml'; use one of: json, html")


def test_q_is_kept_stripped_and_bounded():
    assert parse({"q": "  Croix-Rouge "}).q == "Croix-Rouge"
    assert parse({"q": "   "}).q is None
    assert parse({"q": "x" * 200}).q == "x" * 200
    refused({"q": "x" * 201}, "q", "q is too long: at most 200 characters, got 201")


def test_a_query_is_immutable_and_hashable():
    query = parse({"limit": "5"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        query.limit = 6
    assert {query: 1}[parse({"limit": "5"})] == 1


def test_every_field_is_part_of_the_key():
    base = ItemsQuery()
    variants = [
        ItemsQuery(limit=5),
        ItemsQuery(offset=5),
        ItemsQuery(bbox=(4.0, 50.0, 5.0, 51.0)),
        ItemsQuery(crs=LAMBERT72),
        ItemsQuery(filters=(("open", "true"),)),
        ItemsQuery(q="x"),
        ItemsQuery(view=FeatureView(("pop",), False)),
        ItemsQuery(view=FeatureView((), False)),
        ItemsQuery(view=FeatureView(None, True)),
        ItemsQuery(sortby=(("pop", True),)),
        ItemsQuery(sortby=(("pop", False),)),
    ]
    keys = {base.key(), *(v.key() for v in variants)}
    assert len(keys) == len(variants) + 1
