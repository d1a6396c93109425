"""Importing a list (``geo_service/catalogue/importer.py``), each outcome read exactly: the
records made, the row, field and reason of each problem, the message of each refusal.

Written so that mutation testing (mutmut, docs/testing.md) finds no change of a default, a row
number, a limit or a message that these tests let through. Fast: the communes are built alone
and cached under a key of the modules that build them, instead of taking the session's base
layers, whose cache key covers the whole package and so would be rebuilt for every mutant.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from geo_service.boundaries import build_boundaries
from geo_service.cache import cache_key, cached
from geo_service.catalogue.importer import import_file, parse_import
from geo_service.catalogue.placenames import PlaceResolver
from geo_service.errors import ValidationFailed
from geo_service.sources import locate

# The columns as documented (docs/catalogue.md), in the order the importer lists them.
KNOWN = (
    "name, place, kind, description, themes, target_groups, scope, start_year, website, operator, status, "
    "address, postcode, lat, lon, source_url, source_publisher"
)
HEADER = KNOWN.replace(" ", "") + "\n"
TODAY = date.today().isoformat()
GENT = (51.0543, 3.7174)  # lat, lon in the centre of Ghent (as in tests/test_catalogue_import.py)


@pytest.fixture(scope="module")
def boundaries(settings):
    """The communes alone, cached under a key of their inputs and of the modules that build them."""
    inputs = ["be-municip-lamberts.geo.json", "REFNIS_2019.csv"]
    key = cache_key(inputs, code=("boundaries.py", "errors.py", "settings.py"))
    paths = [locate(name, settings) for name in inputs]
    return cached(settings.cache_dir, "test-importer-boundaries", key, lambda: build_boundaries(*paths))


@pytest.fixture(scope="module")
def resolver(boundaries):
    return PlaceResolver(boundaries)


@pytest.fixture()
def parse(boundaries, resolver):
    return lambda data, filename="list.csv", **kw: parse_import(
        data.encode() if isinstance(data, str) else data, filename, boundaries, resolver=resolver, **kw
    )


@pytest.fixture()
def problems(parse):
    """(row, field, reason) of every problem of a refused list, in order."""

    def refused(data, filename="list.csv", **kw):
        with pytest.raises(ValidationFailed) as info:
            parse(data, filename, **kw)
        errors = info.value.details["errors"]
        assert info.value.message == f"The import was rejected: {len(errors)} problem(s); nothing was added"
        assert info.value.status == 422
        return [(e["row"], e["field"], e["reason"]) for e in errors]

    return refused


@pytest.fixture()
def refusal(parse):
    """(message, errors) of a file refused as a whole."""

    def refused(data, filename="list.csv"):
        with pytest.raises(ValidationFailed) as info:
            parse(data, filename)
        return info.value.message, info.value.details["errors"]

    return refused


def whole_file(reason: str) -> list[dict]:
    """The one problem of a file refused as a whole."""
    return [{"row": 0, "field": "(file)", "reason": reason}]


def csv_rows(*rows: dict) -> str:
    """A CSV with the given columns (the union, in first-seen order) and rows."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    lines = [",".join(columns)] + [",".join(str(row.get(c, "")) for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def row(**fields) -> dict:
    return {"name": "Language café", "place": "Leuven", "source_publisher": "Leuven city", **fields}


def geojson(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def feature(geometry=None, **properties) -> dict:
    props = {"name": "Homework club", "place": "Gent", "source_publisher": "Ghent city", **properties}
    return {"type": "Feature", "geometry": geometry, "properties": props}


# --- records ----------------------------------------------------------------------------------


def test_a_complete_row_becomes_exactly_this_record(parse):
    data = HEADER + (
        " Language café , Gand ,ngo_service,Conversation tables,language; social_contact|,refugees,regional,"
        f" 2015 ,https://example.org/cafe,A non-profit,temporary,Example street 1,9000,{GENT[0]},{GENT[1]},"
        "https://example.org/list,Ghent city\n"
    )
    [record] = parse(data, "some/folder/My List (2).CSV")
    assert record == {
        "id": "import-my-list-2-language-cafe",
        "name": "Language café",
        "kind": "ngo_service",
        "operator": "A non-profit",
        "description": "Conversation tables",
        "themes": ["language", "social_contact"],
        "target_groups": ["refugees"],
        "scope": "regional",
        "start_year": 2015,
        "figures": [],
        "website": "https://example.org/cafe",
        "status": "temporary",
        "sources": [
            {
                "url": "https://example.org/list",
                "publisher": "Ghent city",
                "date": TODAY,
                "licence": None,
                "note": "imported from My List (2).CSV, row 2",
            }
        ],
        "places": [
            {
                "place": "Gand",
                "name": None,
                "address": "Example street 1",
                "postcode": "9000",
                "lat": GENT[0],
                "lon": GENT[1],
            }
        ],
    }
    assert type(record["start_year"]) is int


def test_empty_cells_take_the_defaults(parse):
    [record] = parse(HEADER + "Language café,Leuven" + "," * 15 + "Leuven city\n", "list.csv")
    assert record == {
        "id": "import-list-language-cafe",
        "name": "Language café",
        "kind": "citizen_initiative",
        "operator": None,
        "description": None,
        "themes": [],
        "target_groups": [],
        "scope": "local",
        "start_year": None,
        "figures": [],
        "website": None,
        "status": "active",
        "sources": [
            {
                "url": None,
                "publisher": "Leuven city",
                "date": TODAY,
                "licence": None,
                "note": "imported from list.csv, row 2",
            }
        ],
        "places": [{"place": "Leuven", "name": None, "address": None, "postcode": None, "lat": None, "lon": None}],
    }


def test_a_feature_becomes_a_record_with_its_point(parse, boundaries):
    point = {"type": "Point", "coordinates": [GENT[1], GENT[0]]}
    point_3d = {"type": "Point", "coordinates": [GENT[1], GENT[0], 12.0]}
    records = parse(
        geojson(
            feature(point, themes=[" education ", "", "language"], target_groups="children;youth"),
            feature(point_3d, name="Sports club"),
            feature(None, name="Choir", place="Leuven"),
            {
                "type": "Feature",
                "geometry": None,
                "properties": {"name": "Walks", "place": "Namur", "source_publisher": "Namur"},
            },
        ),
        "list.geojson",
    )
    assert [(r["id"], r["themes"], r["target_groups"]) for r in records] == [
        ("import-list-homework-club", ["education", "language"], ["children", "youth"]),
        ("import-list-sports-club", [], []),
        ("import-list-choir", [], []),
        ("import-list-walks", [], []),
    ]
    assert [(r["places"][0]["lat"], r["places"][0]["lon"]) for r in records] == [GENT, GENT, (None, None), (None, None)]
    assert [r["sources"][0]["note"] for r in records] == [f"imported from list.geojson, row {n}" for n in (1, 2, 3, 4)]


def test_row_numbers_count_the_csv_header_but_not_for_json(problems):
    bad = row(name="")
    assert problems(csv_rows(row(), bad)) == [(3, "name", "a name is required")]
    for filename in ("list.geojson", "list.json", "LIST.GEOJSON", "List.Json"):
        assert problems(geojson(feature(), feature(name="")), filename) == [(2, "name", "a name is required")]


# --- identifiers ------------------------------------------------------------------------------


def test_ids_come_from_the_file_and_the_name(parse):
    assert parse(csv_rows(row(name="Café  Ünïcode!! (Gent)")), "Été 2024.csv")[0]["id"] == (
        "import-ete-2024-cafe-unicode-gent"
    )
    assert parse(csv_rows(row()), "!!!.csv")[0]["id"] == "import-list-language-cafe"


def test_a_long_name_gives_an_id_of_80_characters_without_a_trailing_hyphen(parse):
    assert parse(csv_rows(row(name="a" * 100)))[0]["id"] == "import-list-" + "a" * 68
    cut_at_hyphen = "a" * 67 + " bcd"  # "import-list-" and 67 letters are 79 characters; the 80th is a hyphen
    assert parse(csv_rows(row(name=cut_at_hyphen)))[0]["id"] == "import-list-" + "a" * 67


def test_a_name_taken_gets_the_next_free_number(parse):
    records = parse(csv_rows(row(), row(), row(name="Language Café!")))
    assert [r["id"] for r in records] == [
        "import-list-language-cafe",
        "import-list-language-cafe-2",
        "import-list-language-cafe-3",
    ]
    taken = ["import-list-language-cafe", "import-list-language-cafe-2"]
    assert parse(csv_rows(row()), existing_ids=iter(taken))[0]["id"] == "import-list-language-cafe-3"
    assert parse(csv_rows(row()), existing_ids=taken[1:])[0]["id"] == "import-list-language-cafe"


# --- columns and rows -------------------------------------------------------------------------


def test_unknown_columns_are_named_in_order_with_the_known_ones(problems):
    reason = f"unknown column (known: {KNOWN})"
    assert problems(csv_rows(row(zeta="1", alpha="2"))) == [(2, "alpha", reason), (2, "zeta", reason)]


def test_headers_and_cells_are_trimmed_and_unnamed_cells_dropped(parse):
    data = " name , place , source_publisher ,\n Language café , Leuven , Leuven city ,,surplus\n"
    [record] = parse(data)
    assert (record["name"], record["places"][0]["place"], record["sources"][0]["publisher"]) == (
        "Language café",
        "Leuven",
        "Leuven city",
    )


def test_every_row_is_checked_even_after_a_bad_one(problems):
    rows = [row(name=""), row(place=""), row(name="", place=""), row(place="Atlantis"), row(lat="x")]
    assert problems(csv_rows(*rows)) == [
        (2, "name", "a name is required"),
        (3, "place", "a commune (place) is required"),
        (4, "name", "a name is required"),
        (5, "place", "'Atlantis' is not a known Belgian commune or section"),
        (6, "lat", "'x' is not a number"),
    ]


def test_numbers_that_are_not_numbers_are_named_and_the_row_is_not_placed(problems):
    assert problems(csv_rows(row(place="Atlantis", lat="fifty", lon="four", start_year="2015.5"))) == [
        (2, "lat", "'fifty' is not a number"),
        (2, "lon", "'four' is not a number"),
        (2, "start_year", "'2015.5' is not a number"),
    ]


def test_schema_problems_name_the_column(problems):
    rows = [
        row(kind="bad"),
        row(place="X"),
        row(postcode="0123"),
        row(source_publisher=""),
        row(source_publisher="A"),
        row(source_url="ftp://example.org"),
        row(source_publisher="AB", source_url="ftp://example.org"),
        row(start_year="1700"),
        row(themes="language;astrology"),
    ]
    found = problems(csv_rows(*rows))
    assert [(r, f) for r, f, _ in found] == [
        (2, "kind"),
        (3, "place"),
        (4, "postcode"),
        (5, "source_publisher"),
        (6, "source_publisher"),
        (7, "source_url"),
        (8, "source_url"),
        (9, "start_year"),
        (10, "themes[1]"),
    ]
    assert found[0][2].startswith("'bad' is not one of ['citizen_initiative'")
    assert found[1][2] == "'X' is too short"
    assert found[3][2] == found[5][2] == "a source needs either {seed, quote} or {publisher, url}"


def test_a_publisher_of_another_json_type_is_named(problems):
    assert [(r, f) for r, f, _ in problems(geojson(feature(source_publisher=12)), "list.geojson")] == [
        (1, "source_publisher")
    ]


# --- placing ----------------------------------------------------------------------------------


def test_placing_problems_name_the_place_or_the_coordinates(problems):
    rows = [
        row(place="Atlantis"),
        row(place="99999"),
        row(place="Leuvenn", lat=GENT[0], lon=GENT[1]),
        row(place="Saint-Nicolas", lat=GENT[0], lon=GENT[1]),
        row(place="Namur", lat=GENT[0], lon=GENT[1]),
        row(lat="51.60", lon="2.50"),
        row(lat=GENT[0]),
        row(lon=GENT[1]),
        row(lat="95", lon="4"),
        row(place="99999", lat=GENT[0], lon=GENT[1]),
    ]
    found = problems(csv_rows(*rows))
    assert [(r, f) for r, f, _ in found] == [
        (2, "place"),
        (3, "place"),
        (4, "place"),
        (5, "place"),
        (6, "lat/lon"),
        (7, "lat/lon"),
        (8, "lat/lon"),
        (9, "lat/lon"),
        (10, "lat/lon"),
        (11, "place"),  # an unknown code is the place's fault even with coordinates
    ]
    atlantis, unknown_code, misspelt, ambiguous, elsewhere, outside, lat_only, lon_only, invalid, code_too = (
        reason for _, _, reason in found
    )
    assert code_too == "'99999' is not a 2025 commune code (REFNIS)"
    assert atlantis == "'Atlantis' is not a known Belgian commune or section"
    assert unknown_code == "'99999' is not a 2025 commune code (REFNIS)"
    assert misspelt == "'Leuvenn' is not a known Belgian commune or section; did you mean Louvain / Leuven (24062)?"
    assert ambiguous.startswith("'Saint-Nicolas' matches 2 communes: ")
    assert elsewhere == (
        f"coordinates ({GENT[0]}, {GENT[1]}) lie in Gand / Gent (44021), not in the stated commune Namur / Namen (92094)"
    )
    assert outside == "coordinates (51.6, 2.5) fall outside Belgium"
    assert lat_only == lon_only == "give both lat and lon, or neither"
    assert invalid == "coordinates (95.0, 4.0) are not valid WGS84 latitude/longitude"


def test_one_bad_row_rejects_the_good_ones_too(problems):
    assert problems(csv_rows(row(), row(name="Other café", place="Atlantis"), row(name="Third café"))) == [
        (3, "place", "'Atlantis' is not a known Belgian commune or section"),
    ]


def test_without_a_resolver_one_is_made_from_the_boundaries(boundaries):
    [record] = parse_import(csv_rows(row(place="Louvain")).encode(), "list.csv", boundaries)
    assert record["places"][0]["place"] == "Louvain"
    with pytest.raises(ValidationFailed) as info:
        parse_import(csv_rows(row(place="Atlantis")).encode(), "list.csv", boundaries)
    assert [e["field"] for e in info.value.details["errors"]] == ["place"]


# --- features ---------------------------------------------------------------------------------


def test_features_of_the_wrong_shape_are_row_problems(problems):
    found = problems(
        geojson(
            ["not", "an", "object"],
            {"type": "Feature", "properties": ["a", "list"], "geometry": None},
            feature({"type": "LineString", "coordinates": [[4, 50], [5, 51]]}),
            feature({"type": "Point", "coordinates": [4.7]}),
            feature({"type": "Point", "coordinates": [4.7, 50.9, 1, 2]}),
            feature({"type": "Point", "coordinates": "4.7,50.9"}),
            feature("Point"),
            {"type": "Feature", "properties": None, "geometry": None},
        ),
        "list.geojson",
    )
    needs = "a Point needs coordinates [lon, lat]"
    assert found == [
        (1, "feature", "a feature must be a JSON object"),
        (1, "name", "a name is required"),
        (2, "properties", "the feature's properties must be a JSON object"),
        (2, "name", "a name is required"),
        (3, "geometry", "only Point geometries (or none) are accepted"),
        (4, "geometry", needs),
        (5, "geometry", needs),
        (6, "geometry", needs),
        (7, "geometry", "only Point geometries (or none) are accepted"),
        (8, "name", "a name is required"),
    ]


# --- files refused as a whole -----------------------------------------------------------------


def test_a_file_that_is_not_utf8_is_refused(refusal):
    assert refusal(b"name,place\n\xff\xfe bad\n") == (
        "The file is not UTF-8 text",
        whole_file("'utf-8' codec can't decode byte 0xff in position 11: invalid start byte"),
    )


def test_a_byte_order_mark_is_not_part_of_the_first_column(parse):
    assert parse(b"\xef\xbb\xbf" + csv_rows(row()).encode())[0]["name"] == "Language café"


def test_a_file_that_is_not_json_is_refused(refusal):
    assert refusal("{not json", "list.geojson") == (
        "The file is not valid JSON",
        whole_file("Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    )


def test_deeply_nested_json_is_refused(refusal):
    message, errors = refusal("[" * 100_000 + "]" * 100_000, "list.json")
    assert message == "The JSON is nested too deeply to be a list of initiatives"
    assert errors == whole_file("nested too deeply (GeoJSON features are a few levels deep)")


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"type": "Point"},
        {"type": "FeatureCollection"},
        {"type": "FeatureCollection", "features": {}},
        {"type": "Feature", "features": []},
    ],
)
def test_json_other_than_a_feature_collection_is_refused(refusal, document):
    message, errors = refusal(json.dumps(document), "list.geojson")
    assert message == "A GeoJSON import must be a FeatureCollection"
    assert errors == [{"row": 0, "field": "type", "reason": "expected a FeatureCollection with features"}]


def test_an_unparseable_csv_is_refused(refusal):
    message, errors = refusal("name,place\n" + "a" * 200_000 + ",Leuven\n")
    assert message == "The CSV file cannot be parsed"
    assert errors == whole_file("field larger than field limit (131072)")


@pytest.mark.parametrize("data, found", [("a,b\n1,2\n", "['a', 'b']"), ("", "None")])
def test_a_csv_without_a_name_column_is_refused(refusal, data, found):
    message, errors = refusal(data)
    assert message == "The CSV header must include at least 'name' and 'place'"
    assert errors == [{"row": 1, "field": "(header)", "reason": f"columns found: {found}"}]


@pytest.mark.parametrize("filename, suffix", [("list.xlsx", ".xlsx"), ("list", ""), ("list.csv.txt", ".txt")])
def test_other_file_types_are_refused(refusal, filename, suffix):
    message, errors = refusal("name,place\n", filename)
    assert message == f"Unsupported file type '{suffix}': use .csv or .geojson"
    assert errors == whole_file("use .csv or .geojson")


@pytest.mark.parametrize("data, filename", [("name,place\n", "list.csv"), (geojson(), "list.geojson")])
def test_a_file_without_rows_is_refused(refusal, data, filename):
    assert refusal(data, filename) == ("The file holds no rows", whole_file("no rows"))


def test_a_list_takes_5000_rows_and_not_one_more(refusal, problems):
    assert refusal("name,place\n" + ",\n" * 5001) == (
        "At most 5000 rows per import",
        whole_file("5001 rows"),
    )
    found = problems("name,place\n" + ",\n" * 5000)
    assert len(found) == 5000 and found[-1] == (5001, "name", "a name is required")


# --- storing ----------------------------------------------------------------------------------


class Store:
    """Stand-in for the nominations store: the records it holds and the imports it is given."""

    def __init__(self, records):
        self._records = records
        self.imported = []

    def records(self):
        return self._records

    def import_records(self, records, actor, filename, via, digest):
        self.imported.append((records, actor, filename, via, digest))
        return "stored"


def test_import_file_avoids_the_ids_already_stored_and_hands_over_the_file(boundaries, resolver):
    store = Store([{"id": "import-list-language-cafe"}, {"name": "a record without id"}])
    data = csv_rows(row()).encode()
    assert import_file(store, data, "folder/list.csv", boundaries, "ann", "web", resolver=resolver) == "stored"
    [(records, actor, filename, via, digest)] = store.imported
    assert [r["id"] for r in records] == ["import-list-language-cafe-2"]
    assert (actor, filename, via, digest) == ("ann", "list.csv", "web", hashlib.sha256(data).hexdigest())


def test_import_file_stores_nothing_when_a_row_is_bad(boundaries, resolver):
    store = Store([])
    with pytest.raises(ValidationFailed):
        import_file(store, csv_rows(row(place="Atlantis")).encode(), "list.csv", boundaries, "ann", "web", resolver)
    assert store.imported == []
