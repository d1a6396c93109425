"""Property-based tests (Hypothesis) of the parsers that read what others wrote: a planner's import
(CSV / GeoJSON), the Eurostat TSV and JSON-stat readers, Statbel's TF_SOC_POP_STRUCT reader and
place-name resolution. Malformed input must end in the service's typed error with a message,
never in a bare KeyError/ValueError/IndexError, and an import is all or nothing."""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo_service.catalogue.importer import COLUMNS, import_file, parse_import
from geo_service.catalogue.placenames import PlaceResolver, UnknownPlace
from geo_service.errors import AmbiguousName, DataSourceError, ValidationFailed
from geo_service.indicators import eurostat
from geo_service.population import read_pop_struct, read_population_2020

pytestmark = pytest.mark.slow  # 60 generated inputs per test: 24 CPU-s in all

BOUNDED = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
GOOD_ROW = {
    "name": "Language café",
    "place": "Leuven",
    "themes": "language",
    "target_groups": "refugees",
    "source_publisher": "Leuven city",
    "source_url": "https://example.org/a",
}

# any JSON value, including non-finite and huge floats (Python's json writes NaN/Infinity)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
numbers = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(-(10**30), 10**30)
    | st.floats(min_value=49.0, max_value=52.0)
    | st.text(max_size=8)
)


@pytest.fixture(scope="module")
def resolver(boundaries):
    return PlaceResolver(boundaries)


# -- catalogue import ------------------------------------------------------------------------


def _outcome(data: bytes, filename: str, boundaries, resolver) -> list[dict] | None:
    """Records, or None after checking the refusal is a ValidationFailed that says what is wrong."""
    try:
        records = parse_import(data, filename, boundaries, resolver=resolver)
    except ValidationFailed as exc:
        assert exc.message and exc.details["errors"]
        for error in exc.details["errors"]:
            assert {"row", "field", "reason"} <= set(error) and str(error["reason"])
        return None
    for record in records:  # anything accepted was checked: coordinates, if any, are finite and in Belgium
        place = record["places"][0]
        if place["lat"] is not None:
            assert 49.4 < place["lat"] < 51.6 and 2.5 < place["lon"] < 6.5
    return records


@BOUNDED
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".geojson", ".json", ".xlsx", ""]))
def test_import_of_arbitrary_bytes_is_refused_cleanly(boundaries, resolver, data, suffix):
    assert _outcome(data, f"list{suffix}", boundaries, resolver) is None or suffix in (".csv", ".geojson", ".json")


csv_cells = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=15) | numbers.map(str)


@BOUNDED
@given(
    header=st.lists(st.sampled_from([*COLUMNS, "extra", ""]), min_size=1, max_size=8),
    rows=st.lists(st.lists(csv_cells, max_size=9), max_size=4),
    quoting=st.booleans(),
)
def test_malformed_csv_is_refused_with_rows_and_fields(boundaries, resolver, header, rows, quoting):
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL if quoting else csv.QUOTE_MINIMAL)
    writer.writerows([header, *rows])
    text = out.getvalue()
    if not quoting:  # also let stray quotes and truncated lines through unescaped
        text = text.replace('""', '"')[: max(1, len(text) - 3)]
    _outcome(text.encode(), "list.csv", boundaries, resolver)


features = (
    st.fixed_dictionaries(
        {
            "type": st.just("Feature") | json_values,
            "properties": st.fixed_dictionaries(
                {"name": st.just("Club") | json_values, "place": st.just("Gent") | json_values},
                optional={"lat": numbers, "themes": json_values, "start_year": json_values},
            )
            | json_values,
            "geometry": st.none()
            | st.fixed_dictionaries(
                {"type": st.just("Point") | json_values, "coordinates": st.lists(numbers, max_size=3) | json_values}
            )
            | json_values,
        },
    )
    | json_values
)


@BOUNDED
@given(feats=st.lists(features, max_size=4), top=st.just("FeatureCollection") | json_values)
def test_geojson_with_wrong_types_is_refused(boundaries, resolver, feats, top):
    doc = {"type": top, "features": feats}
    _outcome(json.dumps(doc).encode(), "list.geojson", boundaries, resolver)


def test_geojson_features_of_the_wrong_type_are_row_errors(boundaries, resolver):
    """Regression: non-object properties raised TypeError/ValueError, a non-list Point crashed."""
    good = {"type": "Feature", "properties": {"name": "Club", "place": "Gent", "source_publisher": "Gent"}}
    doc = {
        "type": "FeatureCollection",
        "features": [
            5,
            {"properties": [1, 2]},
            {"properties": True},
            dict(good, geometry={"type": "Point", "coordinates": 7}),
            dict(good, geometry={"type": "Point", "coordinates": [float("nan"), 1e308]}),
        ],
    }
    with pytest.raises(ValidationFailed) as info:
        parse_import(json.dumps(doc).encode(), "list.geojson", boundaries, resolver=resolver)
    fields = {(e["row"], e["field"]) for e in info.value.details["errors"]}
    assert {(1, "feature"), (2, "properties"), (3, "properties"), (4, "geometry"), (5, "lat/lon")} <= fields


LEUVEN = (50.8798, 4.7005)  # Grote Markt


@BOUNDED
@given(lat=numbers | st.just(LEUVEN[0]), lon=numbers | st.just(LEUVEN[1]), position=st.integers(0, 2))
def test_import_is_all_or_nothing(boundaries, resolver, tmp_path_factory, lat, lon, position):
    """Good rows plus one row with arbitrary coordinates: every row is accepted or none is, and
    nothing is written unless all are."""
    rows = [dict(GOOD_ROW, name=f"Club {i}") for i in range(3)]
    rows[position].update(lat=lat, lon=lon)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*GOOD_ROW, "lat", "lon"])
    writer.writeheader()
    writer.writerows(rows)
    from geo_service.store.changes import CatalogueStore

    data = out.getvalue().encode()
    records = _outcome(data, "list.csv", boundaries, resolver)
    if records is not None:
        assert len(records) == 3
    store = CatalogueStore(f"sqlite:///{tmp_path_factory.mktemp('imports') / 'nominations.sqlite3'}")
    try:
        try:
            batch = import_file(store, data, "list.csv", boundaries, "test", via="command", resolver=resolver)
        except ValidationFailed:
            batch = None
        assert (batch is None) == (records is None)
        stored = [r["name"] for r in store.records()]
    finally:
        store.engine.dispose()
    assert stored == ([] if records is None else [r["name"] for r in records])
    if (lat, lon) == LEUVEN:
        assert records is not None
    if not all(_finite(v) for v in (lat, lon)):
        assert records is None


def _finite(value) -> bool:
    try:
        return math.isfinite(float(str(value).strip()))
    except ValueError:
        return False


# -- Eurostat readers ------------------------------------------------------------------------

TSV_HEAD = "freq,unit,sex,age,citizen,isced11,geo\\TIME_PERIOD\t2018 \t2019 \n"
TSV_LINE = "A,PC,T,Y20-64,NAT,TOTAL,BE10\t60.0 \t61.5 b\n"


def _eurostat_refusal(path, expect_name=True) -> None:
    try:
        frame = eurostat.read_file(path)
    except DataSourceError as exc:
        assert exc.message and (not expect_name or path.name in exc.message), exc.message
        return
    assert {"value", "flag"} <= set(frame.columns)


@BOUNDED
@given(data=st.binary(max_size=200), gz=st.booleans())
def test_eurostat_arbitrary_bytes(tmp_path_factory, data, gz):
    path = tmp_path_factory.mktemp("eurostat") / "lfst_r_lfe2emprtn.tsv.gz"
    path.write_bytes(gzip.compress(data) if gz else data)
    _eurostat_refusal(path)


@BOUNDED
@given(cut=st.integers(0, 400), junk=st.text(max_size=10), where=st.integers(0, 400))
def test_eurostat_tsv_truncated_or_corrupted(tmp_path_factory, cut, junk, where):
    text = (TSV_HEAD + TSV_LINE * 3)[:cut]
    text = text[:where] + junk + text[where:]
    path = tmp_path_factory.mktemp("eurostat") / "lfst_r_lfe2emprtn.tsv"
    path.write_text(text, encoding="utf-8")
    _eurostat_refusal(path)


def _jsonstat() -> dict:
    return {
        "version": "2.0",
        "class": "dataset",
        "id": ["geo", "time"],
        "size": [2, 1],
        "dimension": {
            "geo": {"category": {"index": {"BE10": 0, "BE21": 1}}},
            "time": {"category": {"index": ["2025"]}},
        },
        "value": {"0": 63.8, "1": 78.8},
        "status": {"1": "b"},
    }


jsonstat_keys = st.sampled_from(["id", "size", "dimension", "value", "status", "class"])


@BOUNDED
@given(key=jsonstat_keys, replacement=json_values, drop=st.booleans())
def test_eurostat_jsonstat_with_wrong_types(tmp_path_factory, key, replacement, drop):
    doc = _jsonstat()
    if drop:
        doc.pop(key)
    else:
        doc[key] = replacement
    path = tmp_path_factory.mktemp("eurostat") / "lfst_r_lfe2emprc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    _eurostat_refusal(path)


@BOUNDED
@given(
    sizes=st.lists(st.integers(-3, 10**12), min_size=2, max_size=2),
    index=json_values,
    values=st.dictionaries(st.text(max_size=4) | st.integers(-5, 9).map(str), json_values, max_size=3),
)
def test_eurostat_jsonstat_inconsistent_cube(tmp_path_factory, sizes, index, values):
    doc = _jsonstat()
    doc["size"], doc["value"] = sizes, values
    doc["dimension"]["geo"]["category"]["index"] = index
    path = tmp_path_factory.mktemp("eurostat") / "lfst_r_lfe2emprc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    _eurostat_refusal(path)


def test_eurostat_jsonstat_size_must_match_categories(tmp_path):
    """Regression: a size larger than the category list used to fail inside numpy (IndexError)."""
    doc = _jsonstat()
    doc["size"] = [3, 1]
    path = tmp_path / "lfst_r_lfe2emprc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataSourceError, match="lfst_r_lfe2emprc.json.*size"):
        eurostat.read_file(path)


# -- Statbel TF_SOC_POP_STRUCT and population 2020 -----------------------------------------------

STRUCT = "CD_REFNIS|CD_SEX|CD_NATLTY|MS_POPULATION\n11002|M|BEL|80\n11002|F|ETR|20\n23023|M|BEL|100\n"


def _struct_refusal(path) -> None:
    try:
        frame, year = read_pop_struct(path)
    except DataSourceError as exc:
        assert exc.message and path.name in exc.message, exc.message
        return
    assert 1900 <= year < 2100
    assert frame["nis"].str.fullmatch(r"\d{5}").all()
    assert (frame[["belgian", "foreign", "total"]] >= 0).all().all()


@BOUNDED
@given(
    cut=st.integers(0, 120),
    junk=st.text(max_size=12),
    where=st.integers(0, 120),
    suffix=st.sampled_from([".txt", ".csv", ".zip"]),
)
def test_pop_struct_truncated_or_corrupted(tmp_path_factory, cut, junk, where, suffix):
    text = STRUCT[:cut]
    text = text[:where] + junk + text[where:]
    path = tmp_path_factory.mktemp("statbel") / f"TF_SOC_POP_STRUCT_2024{suffix}"
    if suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("TF_SOC_POP_STRUCT_2024.txt", text)
    else:
        path.write_text(text, encoding="utf-8")
    _struct_refusal(path)


@BOUNDED
@given(code=numbers.map(str), nat=st.sampled_from(["BEL", "ETR", "etr ", "X"]), count=numbers.map(str))
def test_pop_struct_cells_of_any_value(tmp_path_factory, code, nat, count):
    text = f"CD_REFNIS|CD_NATLTY|MS_POPULATION\n11002|BEL|5\n{code}|{nat}|{count}\n"
    path = tmp_path_factory.mktemp("statbel") / "TF_SOC_POP_STRUCT_2024.txt"
    path.write_text(text, encoding="utf-8")
    _struct_refusal(path)


@BOUNDED
@given(data=st.binary(max_size=200), suffix=st.sampled_from([".txt", ".zip", ".RData"]))
def test_pop_struct_arbitrary_bytes(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("statbel") / f"TF_SOC_POP_STRUCT_2024{suffix}"
    path.write_bytes(data)
    _struct_refusal(path)


@BOUNDED
@given(
    data=st.binary(max_size=200)
    | st.text(max_size=100).map(lambda t: ("NIS code,Mannen,Vrouwen,Totaal\n" + t).encode())
)
def test_population_2020_arbitrary_content(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("statbel") / "population_2020.csv"
    path.write_bytes(data)
    try:
        frame = read_population_2020(path)
    except DataSourceError as exc:
        assert path.name in exc.message
        return
    assert list(frame.columns) == ["nis", "men", "women", "total"]


# -- place names -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(name=st.text(max_size=40) | st.from_regex(r"\s*\d{5}\s*", fullmatch=True) | st.just("---"))
def test_any_text_resolves_to_a_commune_or_a_typed_error(resolver, boundaries, name):
    try:
        nis = resolver.resolve(name)
    except (UnknownPlace, AmbiguousName) as exc:
        assert exc.message and isinstance(exc.details["candidates"], list)
        return
    assert nis in boundaries.communes.index


def _resolves_to(resolver, name: str, nis: str) -> bool:
    """``name`` gives ``nis``, or is a name two communes share and the error offers ``nis``."""
    try:
        return resolver.resolve(name) == nis
    except AmbiguousName as exc:
        return any(f"({nis})" in c for c in exc.details["candidates"])
    except UnknownPlace:
        return False


def test_every_commune_name_resolves_to_its_code(resolver, boundaries):
    """Round trip over all 565 communes and their official names in NL, FR and DE. The one name
    two communes share (Saint-Nicolas, also the French name of Sint-Niklaas) is ambiguous by
    design and its error lists both."""
    wrong, shared = [], set()
    for nis, row in boundaries.communes.iterrows():
        for column in ("name_nl", "name_fr", "name_de"):
            name = row.get(column)
            if isinstance(name, str) and name:
                if not _resolves_to(resolver, name, nis):
                    wrong.append((nis, column, name))
                elif len(resolver.candidates(name)) > 1:
                    shared.add(name)
    assert len(boundaries.communes) == 565 and not wrong
    assert shared == {"Saint-Nicolas"}


def _variant(name: str, how: int) -> str:
    return [name.upper(), name.lower(), f"  {name} ", name.replace("-", " "), name.replace(" ", "-")][how]


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_spelling_variants_of_a_commune_name_resolve_to_it(resolver, boundaries, data):
    nis = data.draw(st.sampled_from(sorted(boundaries.communes.index)))
    row = boundaries.communes.loc[nis]
    names = [row[c] for c in ("name_nl", "name_fr", "name_de") if isinstance(row.get(c), str) and row.get(c)]
    name = _variant(data.draw(st.sampled_from(names)), data.draw(st.integers(0, 4)))
    assert _resolves_to(resolver, name, nis), name
