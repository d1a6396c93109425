"""Import of a planner's own list (CSV or GeoJSON) through the catalogue's validation.

All or nothing: every row is checked (schema, commune, coordinates inside Belgium and in the
stated commune) and any problem rejects the whole file with a report of row, field and reason.

CSV columns (UTF-8, comma-separated, header row): ``name`` (required), ``place`` (required:
commune or section name in NL/FR/DE/EN, or a NIS code), ``kind`` (default citizen_initiative),
``description``, ``themes`` and ``target_groups`` (separated by ``;``), ``scope`` (default
local), ``start_year``, ``website``, ``operator``, ``status`` (default active), ``address``,
``postcode``, ``lat``, ``lon`` (WGS84; optional), ``source_url``, ``source_publisher``
(required: who published the information). GeoJSON: a FeatureCollection whose features have the
same properties and an optional Point geometry (lon, lat).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import date
from pathlib import Path

from ..errors import AmbiguousName, GeoServiceError, ValidationFailed
from .placenames import PlaceResolver, UnknownPlace, fold
from .schema import schema_errors
from .sites import placer_for

MAX_IMPORT_ROWS = 5000
_ERROR = object()  # row key of a (field, reason) found while reading; no JSON key can collide
COLUMNS = (
    "name",
    "place",
    "kind",
    "description",
    "themes",
    "target_groups",
    "scope",
    "start_year",
    "website",
    "operator",
    "status",
    "address",
    "postcode",
    "lat",
    "lon",
    "source_url",
    "source_publisher",
)


def _split(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in re.split(r"[;|]", str(value)) if part.strip()]


def _number(value, field: str, errors: list, row: int, kind=float):
    if value is None or str(value).strip() == "":
        return None
    try:
        return kind(str(value).strip())
    except ValueError:
        errors.append({"row": row, "field": field, "reason": f"'{value}' is not a number"})
        return None


def _feature_row(feature) -> dict:
    """A GeoJSON feature as a row; a feature, properties or geometry of the wrong JSON type becomes
    a row error (reported with the row number) instead of a TypeError."""
    if not isinstance(feature, dict):
        return {_ERROR: ("feature", "a feature must be a JSON object")}
    props = feature.get("properties")
    if not isinstance(props, dict | None):
        return {_ERROR: ("properties", "the feature's properties must be a JSON object")}
    row = dict(props or {})
    geometry = feature.get("geometry")
    if isinstance(geometry, dict) and geometry.get("type") == "Point":
        coords = geometry.get("coordinates")
        if isinstance(coords, list) and len(coords) in (2, 3):
            row["lon"], row["lat"] = coords[0], coords[1]
        else:
            row[_ERROR] = ("geometry", "a Point needs coordinates [lon, lat]")
    elif geometry is not None:
        row[_ERROR] = ("geometry", "only Point geometries (or none) are accepted")
    return row


def _rows_from(data: bytes, filename: str) -> list[dict]:
    suffix = Path(filename).suffix.lower()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            "The file is not UTF-8 text", errors=[{"row": 0, "field": "(file)", "reason": str(exc)}]
        ) from exc
    if suffix in (".geojson", ".json"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(
                "The file is not valid JSON", errors=[{"row": 0, "field": "(file)", "reason": str(exc)}]
            ) from exc
        except RecursionError:  # arrays or objects nested thousands deep: no list is shaped like that
            raise ValidationFailed(
                "The JSON is nested too deeply to be a list of initiatives",
                errors=[
                    {
                        "row": 0,
                        "field": "(file)",
                        "reason": "nested too deeply (GeoJSON features are a few levels deep)",
                    }
                ],
            ) from None
        if (
            not isinstance(document, dict)
            or document.get("type") != "FeatureCollection"
            or not isinstance(document.get("features"), list)
        ):
            raise ValidationFailed(
                "A GeoJSON import must be a FeatureCollection",
                errors=[{"row": 0, "field": "type", "reason": "expected a FeatureCollection with features"}],
            )
        return [_feature_row(feature) for feature in document["features"]]
    if suffix == ".csv":
        try:
            reader = csv.DictReader(io.StringIO(text))
            rows = [dict(r) for r in reader]
        except csv.Error as exc:
            raise ValidationFailed(
                "The CSV file cannot be parsed", errors=[{"row": 0, "field": "(file)", "reason": str(exc)}]
            ) from exc
        if reader.fieldnames is None or "name" not in [str(f).strip() for f in reader.fieldnames]:
            raise ValidationFailed(
                "The CSV header must include at least 'name' and 'place'",
                errors=[{"row": 1, "field": "(header)", "reason": f"columns found: {reader.fieldnames}"}],
            )
        return rows
    raise ValidationFailed(
        f"Unsupported file type '{suffix}': use .csv or .geojson",
        errors=[{"row": 0, "field": "(file)", "reason": "use .csv or .geojson"}],
    )


def parse_import(
    data: bytes, filename: str, boundaries, existing_ids=(), resolver: PlaceResolver | None = None
) -> list[dict]:
    """Initiative records from an uploaded list; ValidationFailed lists every bad row/field."""
    rows = _rows_from(data, filename)
    if not rows:
        raise ValidationFailed("The file holds no rows", errors=[{"row": 0, "field": "(file)", "reason": "no rows"}])
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed(
            f"At most {MAX_IMPORT_ROWS} rows per import",
            errors=[{"row": 0, "field": "(file)", "reason": f"{len(rows)} rows"}],
        )
    placer = placer_for(boundaries, resolver)
    resolver = placer.resolver
    stem = re.sub(r"[^a-z0-9]+", "-", fold(Path(filename).stem)).strip("-") or "list"
    errors: list[dict] = []
    records: list[dict] = []
    taken = set(existing_ids)
    for number, row in enumerate(rows, start=1 if filename.lower().endswith((".json", ".geojson")) else 2):
        row = {
            k.strip() if isinstance(k, str) else k: (v.strip() if isinstance(v, str) else v)
            for k, v in row.items()
            if k
        }
        unknown = sorted(k for k in row if k is not _ERROR and k not in COLUMNS)
        for column in unknown:
            errors.append({"row": number, "field": column, "reason": f"unknown column (known: {', '.join(COLUMNS)})"})
        if _ERROR in row:
            errors.append({"row": number, "field": row[_ERROR][0], "reason": row[_ERROR][1]})
        if not row.get("name"):
            errors.append({"row": number, "field": "name", "reason": "a name is required"})
            continue
        if not row.get("place"):
            errors.append({"row": number, "field": "place", "reason": "a commune (place) is required"})
            continue
        row_errors: list[dict] = []
        lat = _number(row.get("lat"), "lat", row_errors, number)
        lon = _number(row.get("lon"), "lon", row_errors, number)
        start_year = _number(row.get("start_year"), "start_year", row_errors, number, int)
        rid = f"import-{stem}-{re.sub(r'[^a-z0-9]+', '-', fold(row['name'])).strip('-')}"[:80].rstrip("-")
        base_id, suffix = rid, 1
        while rid in taken:  # the same name in an earlier import, or twice in this file
            suffix += 1
            rid = f"{base_id}-{suffix}"
        taken.add(rid)
        publisher = row.get("source_publisher") or None
        record = {
            "id": rid,
            "name": row["name"],
            "kind": row.get("kind") or "citizen_initiative",
            "operator": row.get("operator") or None,
            "description": row.get("description") or None,
            "themes": _split(row.get("themes")),
            "target_groups": _split(row.get("target_groups")),
            "scope": row.get("scope") or "local",
            "start_year": start_year,
            "figures": [],
            "website": row.get("website") or None,
            "status": row.get("status") or "active",
            "sources": [
                {
                    "url": row.get("source_url") or None,
                    "publisher": publisher or "",
                    "date": date.today().isoformat(),
                    "licence": None,
                    "note": f"imported from {Path(filename).name}, row {number}",
                }
            ],
            "places": [
                {
                    "place": row["place"],
                    "name": None,
                    "address": row.get("address") or None,
                    "postcode": row.get("postcode") or None,
                    "lat": lat,
                    "lon": lon,
                }
            ],
        }
        for problem in schema_errors(record):
            field = problem["field"].replace("places[0].", "")
            if field == "sources[0]":  # the schema blames the whole source: name the column at fault
                field = "source_url" if isinstance(publisher, str) and len(publisher) >= 2 else "source_publisher"
            row_errors.append({"row": number, "field": field, "reason": problem["reason"]})
        if not row_errors:
            try:
                placer.place(record["places"][0])
            except GeoServiceError as exc:
                # a name or code no commune has (or several have) is the place's fault, whatever the coordinates
                named = isinstance(exc, (UnknownPlace, AmbiguousName))
                field = "place" if named or (lat is None and lon is None) else "lat/lon"
                row_errors.append({"row": number, "field": field, "reason": exc.message})
        errors.extend(row_errors)
        records.append(record)
    if errors:
        raise ValidationFailed(f"The import was rejected: {len(errors)} problem(s); nothing was added", errors=errors)
    return records


def import_file(
    store, data: bytes, filename: str, boundaries, actor: str, via: str, resolver: PlaceResolver | None = None
):
    """Validate a list and store it in the nominations database (``store``), all or nothing; the
    one way every import goes, so every server on that database serves it. Returns the import
    (id, records, sites); ValidationFailed stores nothing."""
    from . import read_records

    existing = {r["id"] for r in read_records()} | {r.get("id") for r in store.records()}
    records = parse_import(data, filename, boundaries, existing_ids=existing, resolver=resolver)
    return store.import_records(records, actor, Path(filename).name, via=via, digest=hashlib.sha256(data).hexdigest())
