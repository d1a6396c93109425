"""Eurostat employment rates in Eurostat's own formats: the TSV download and the JSON-stat 2.0
answer of the dissemination API, for ``lfst_r_lfe2emprtn`` (by citizenship) and
``lfst_r_lfe2emprc`` (by country of birth).

Both readers give one long table (one row per observation: every dimension, ``time``, ``value``,
``flag``); :func:`to_employment` turns it into the employment schema of
:mod:`geo_service.indicators.employment`. A value Eurostat does not publish (":") stays missing,
with its flag and a reason. API: https://wikis.ec.europa.eu/x/KgWyBQ (statistics API, JSON-stat).
"""

from __future__ import annotations

import gzip
import json
import re
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataSourceError

API = "https://ec.europa.eu/eurostat/api/dissemination/statistics/1.0/data"
DATASETS = {"lfst_r_lfe2emprtn": ("citizen", "citizenship"), "lfst_r_lfe2emprc": ("c_birth", "country_of_birth")}
GROUPS = {
    "citizen": {
        "NAT": "national",
        "FOR": "foreign",
        "EU27_2020_FOR": "eu",
        "NEU27_2020_FOR": "non_eu",
        "EU28_FOR": "eu",
        "NEU28_FOR": "non_eu",
        "TOTAL": "total",
    },
    "c_birth": {
        "NAT": "native_born",
        "FOR": "foreign_born",
        "EU27_2020_FOR": "eu_born",
        "NEU27_2020_FOR": "non_eu_born",
        "EU28_FOR": "eu_born",
        "NEU28_FOR": "non_eu_born",
        "TOTAL": "total",
    },
}
SEXES = {"T": "total", "M": "male", "F": "female"}
FLAG_MEANINGS = {
    "b": "break in time series",
    "c": "confidential",
    "u": "low reliability",
    "p": "provisional",
    "e": "estimated",
    "d": "definition differs",
    "n": "not significant",
    "z": "not applicable",
}
LICENCE = "Eurostat, reuse with attribution (Commission Decision 2011/833/EU)"
BELGIAN_NUTS2 = ("BE10", "BE21", "BE22", "BE23", "BE24", "BE25", "BE31", "BE32", "BE33", "BE34", "BE35")
# The source paper's table: 2019, provinces x citizenship x sex, ages 20-64, all education levels.
PAPER_QUERY = {
    "unit": "PC",
    "age": "Y20-64",
    "isced11": "TOTAL",
    "time": "2019",
    "sex": ["T", "M", "F"],
    "citizen": ["NAT", "FOR", "EU27_2020_FOR", "NEU27_2020_FOR", "TOTAL"],
    "geo": ["BE", "BE1", "BE2", "BE3", *BELGIAN_NUTS2],
}


def _value_and_flag(cell: str) -> tuple[float, str]:
    cell = cell.strip()
    match = re.fullmatch(r"(:|-?\d+(?:\.\d+)?)\s*([a-z]*)", cell)
    if not match:
        raise DataSourceError(f"Eurostat TSV: cannot read the cell {cell!r}")
    number, flag = match.groups()
    return (np.nan if number == ":" else float(number)), flag


def _gunzip(raw: bytes) -> bytes:
    """The bytes, decompressed when gzipped; a damaged or truncated archive is a DataSourceError."""
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataSourceError(f"damaged gzip data ({exc})") from exc


def read_tsv(source: str | Path | bytes) -> pd.DataFrame:
    """Eurostat TSV (optionally gzipped): ``dim1,dim2,...,geo\\TIME_PERIOD`` then one column per period."""
    raw = _gunzip(source if isinstance(source, bytes) else Path(source).read_bytes())
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataSourceError(f"not a Eurostat TSV file: not UTF-8 text ({exc})") from exc
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or "\\" not in lines[0].split("\t")[0]:
        raise DataSourceError("not a Eurostat TSV file: the first cell must look like 'unit,sex,...,geo\\TIME_PERIOD'")
    head = lines[0].split("\t")
    dims = head[0].split("\\")[0].split(",")
    periods = [p.strip() for p in head[1:]]
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        keys = cells[0].split(",")
        if len(keys) != len(dims) or len(cells) != len(periods) + 1:
            raise DataSourceError(f"Eurostat TSV line {number}: expected {len(dims)} keys and {len(periods)} values")
        for period, cell in zip(periods, cells[1:]):
            value, flag = _value_and_flag(cell)
            rows.append({**dict(zip(dims, keys)), "time": period, "value": value, "flag": flag})
    return pd.DataFrame(rows, columns=[*dims, "time", "value", "flag"])


def read_jsonstat(source: str | Path | bytes | dict) -> pd.DataFrame:
    """A JSON-stat 2.0 dataset (the statistics API's answer): every cell of the cube, row-major."""
    if isinstance(source, dict):
        doc = source
    else:
        raw = source if isinstance(source, bytes) else Path(source).read_bytes()
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise DataSourceError(f"not JSON-stat: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("class") != "dataset" or "id" not in doc or "size" not in doc:
        raise DataSourceError("not a JSON-stat 2.0 dataset (needs class 'dataset', 'id' and 'size')")
    try:
        ids, sizes, codes = _cube(doc)
        total = int(np.prod(sizes, dtype=np.int64))
        values = np.full(total, np.nan)
        for key, value in _cells(doc.get("value", {}), "value", total):
            if value is not None:
                values[key] = float(value)
        flags = np.full(total, "", dtype=object)
        for key, flag in _cells(doc.get("status", {}), "status", total):
            flags[key] = str(flag or "")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # wrong JSON types in the document
        raise DataSourceError(f"malformed JSON-stat dataset ({type(exc).__name__}: {exc})") from exc
    grid = np.unravel_index(np.arange(total), sizes)
    frame = pd.DataFrame({dim: np.asarray(codes[d], dtype=object)[grid[d]] for d, dim in enumerate(ids)})
    frame["value"], frame["flag"] = values, flags
    return frame


MAX_CELLS = 10_000_000  # far above any employment table; a bigger cube is a broken size


def _cube(doc: dict) -> tuple[list, list[int], list[list]]:
    """Dimension ids, sizes and ordered category codes, checked against each other."""
    ids, sizes = doc["id"], doc["size"]
    if not isinstance(ids, list) or not isinstance(sizes, list) or len(ids) != len(sizes):
        raise DataSourceError("JSON-stat: 'id' and 'size' must be lists of the same length")
    codes = []
    for dim, size in zip(ids, sizes):
        index = doc["dimension"][dim]["category"]["index"]
        ordered = index if isinstance(index, list) else sorted(index, key=index.get)
        if not all(isinstance(code, str) for code in ordered):
            raise DataSourceError(f"JSON-stat: dimension {dim!r} has category codes that are not strings")
        if type(size) is not int or len(ordered) != size:
            raise DataSourceError(f"JSON-stat: dimension {dim!r} has {len(ordered)} categories but size {size!r}")
        codes.append(ordered)
    if int(np.prod(sizes, dtype=np.float64)) > MAX_CELLS:
        raise DataSourceError(f"JSON-stat: a cube of {sizes} cells is larger than {MAX_CELLS:,}")
    return ids, sizes, codes


def _cells(raw, name: str, total: int):
    """(position, item) of a JSON-stat ``value``/``status`` given as an object or a list."""
    items = raw.items() if isinstance(raw, dict) else enumerate(raw)
    for key, item in items:
        position = int(key)
        if not 0 <= position < total:
            raise DataSourceError(f"JSON-stat: {name} position {key!r} is outside the cube of {total} cells")
        yield position, item


def api_url(dataset: str, filters: dict) -> str:
    query = [("format", "JSON"), ("lang", "EN")]
    for key, value in filters.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            query.append((key, str(item)))
    return f"{API}/{dataset}?{urllib.parse.urlencode(query)}"


def fetch_jsonstat(
    dataset: str, filters: dict, settings, timeout: float = 30.0, url: str | None = None
) -> pd.DataFrame:
    """Ask Eurostat's statistics API; offline or unreachable is a clear :class:`DataSourceError`."""
    if dataset not in DATASETS:
        raise DataSourceError(f"unsupported Eurostat dataset {dataset!r}: use one of {sorted(DATASETS)}")
    url = url or api_url(dataset, filters)
    hint = f"Download it in a browser and pass the file instead (TSV or JSON-stat): {url}"
    if getattr(settings, "offline", False):
        raise DataSourceError(f"GEO_SERVICE_OFFLINE forbids fetching Eurostat {dataset}. {hint}", url=url)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
    except Exception as exc:  # DNS, refused, timeout, HTTP error
        raise DataSourceError(
            f"Eurostat API unreachable for {dataset} ({type(exc).__name__}: {exc}). {hint}", url=url
        ) from exc
    return read_jsonstat(body)


def read_file(path: str | Path) -> pd.DataFrame:
    """TSV (.tsv, .tsv.gz) or JSON-stat (.json), told apart by content; errors name the file."""
    try:
        raw = _gunzip(Path(path).read_bytes())
        return read_jsonstat(raw) if raw.lstrip()[:1] == b"{" else read_tsv(raw)
    except OSError as exc:
        raise DataSourceError(f"{path}: cannot read the file ({exc})") from exc
    except DataSourceError as exc:
        raise DataSourceError(f"{path}: {exc.message}", **exc.details) from exc


def _reason(flag: str) -> str:
    meanings = [FLAG_MEANINGS.get(letter, letter) for letter in flag]
    return "not published by Eurostat (':')" + (f", flag {flag}: {', '.join(meanings)}" if flag else "")


def to_employment(frame: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """Long Eurostat rows -> the employment schema (percent rates, all education levels only)."""
    if dataset not in DATASETS:
        raise DataSourceError(f"unsupported Eurostat dataset {dataset!r}: use one of {sorted(DATASETS)}")
    group_dim, concept = DATASETS[dataset]
    needed = {group_dim, "geo", "sex", "age", "time", "value"}
    if not needed <= set(frame.columns):
        raise DataSourceError(f"Eurostat {dataset}: missing dimensions {sorted(needed - set(frame.columns))}")
    rows = frame
    if "unit" in rows:
        rows = rows[rows["unit"] == "PC"]
    if "isced11" in rows:
        rows = rows[rows["isced11"] == "TOTAL"]
    if "freq" in rows:
        rows = rows[rows["freq"] == "A"]
    level = rows["geo"].str.len().map({2: "country", 3: "region", 4: "province"}).fillna("other")
    flags = rows["flag"].fillna("").astype(str)
    out = pd.DataFrame(
        {
            "geo_code": rows["geo"].values,
            "level": level.values,
            "year": pd.to_numeric(rows["time"], errors="coerce").astype("Int64").values,
            "sex": rows["sex"].map(SEXES).fillna(rows["sex"].str.lower()).values,
            "age_band": rows["age"].str.replace(r"^Y", "", regex=True).values,
            "concept": concept,
            "group": rows[group_dim].map(GROUPS[group_dim]).fillna(rows[group_dim].str.lower()).values,
            "rate": rows["value"].astype(float).values,
            "gap_pp": np.nan,
            "flag": flags.values,
            "missing_reason": [None if pd.notna(v) else _reason(f) for v, f in zip(rows["value"], flags)],
            "source_id": f"eurostat_{dataset}",
            "source_url": f"{API}/{dataset}",
            "source_licence": LICENCE,
        }
    )
    return out.reset_index(drop=True)
