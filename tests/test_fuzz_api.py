"""Schemathesis over the service's own OpenAPI document (the one served at ``/api``), in-process
through WSGI. Every operation gets schemathesis' deterministic coverage cases (boundary and
invalid values of each parameter) plus a bounded, derandomised number of Hypothesis examples in
positive and negative mode. Checks: never a 5xx; status code, content type and body as the
document declares; schema-valid requests accepted and schema-invalid ones refused, except for the
deliberate differences listed in docs/api.md (see ``_deliberate``).

Needs schemathesis 4 (``schemathesis.openapi.from_wsgi``). Its pytest plugin
(``schema.parametrize``) does not run under pytest 9, so the operations are looped over here.
"""

from __future__ import annotations

import collections
import os
import time

import jsonschema
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from geo_service.api.crs import CRS84, parse_crs
from geo_service.api.query import MAX_LIMIT

pytestmark = pytest.mark.slow  # schemathesis and hypothesis runs

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]
# Hypothesis examples per operation, beside the coverage cases (which always run in full). The
# suite's run (CI, ``scripts/test.sh``) takes 10; ``GEO_SERVICE_FUZZ=deep`` takes 100, to run on
# demand after a change to the API or its document (docs/testing.md gives the figures of both).
FUZZ_PROFILES = {"ci": 10, "deep": 100}
FUZZ_PROFILE = os.environ.get("GEO_SERVICE_FUZZ") or "ci"
if FUZZ_PROFILE not in FUZZ_PROFILES:
    raise pytest.UsageError(f"GEO_SERVICE_FUZZ={FUZZ_PROFILE!r} is not one of: {', '.join(FUZZ_PROFILES)}")
EXAMPLES_PER_OPERATION = FUZZ_PROFILES[FUZZ_PROFILE]
FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# one failed check is a Failure (an AssertionError), several a FailureGroup
CHECK_FAILED = (AssertionError, BaseExceptionGroup)
# werkzeug's test client does not decompress, and the service gzips whenever asked
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api", app)


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _deliberate(case) -> list:
    """Checks to skip for this case, each only where docs/api.md records a deliberate difference
    between the service and what its schema can express."""
    query = case.query or {}
    skip = []
    limit = _number(query.get("limit"))
    if limit is not None and limit > MAX_LIMIT:
        # OGC API - Features Part 1 (/req/core/fc-limit-response-1): a limit above the maximum is
        # served as the maximum, not refused, although the schema declares `maximum`.
        skip.append(negative_data_rejection)
    if query.get("properties") in ("", [""], []):
        # "properties=" selects no property (docs/api.md); serialised, an empty list and a list of one
        # empty name are the same text, and the schema cannot say which one it means
        skip.append(negative_data_rejection)
    bbox = query.get("bbox")  # already serialised to the form style: "minx,miny,maxx,maxy"
    bbox = bbox.split(",") if isinstance(bbox, str) else bbox
    if isinstance(bbox, list) and len(bbox) in (4, 6) and all(_number(v) is not None for v in bbox):
        n = [float(v) for v in bbox]
        lo, hi = (n[:2], n[2:4]) if len(n) == 4 else (n[:2], n[3:5])
        try:
            lonlat = parse_crs(query.get("bbox-crs")) == CRS84
        except Exception:
            lonlat = False
        outside = (
            lonlat
            and not all(-180 <= x <= 180 for x in (lo[0], hi[0]))
            or lonlat
            and not all(-90 <= y <= 90 for y in (lo[1], hi[1]))
        )
        if lo[0] > hi[0] or lo[1] > hi[1] or outside:
            # A lower corner above the upper one, or CRS84 values off the globe, are refused with
            # 400: the schema cannot say so (the valid range depends on bbox-crs).
            skip.append(positive_data_acceptance)
    return skip


def _run(case, tally) -> None:
    response = case.call(headers=IDENTITY)
    tally[response.status_code] += 1
    case.validate_response(response, checks=CHECKS, excluded_checks=_deliberate(case), headers=IDENTITY)


def _failure(label: str, exc: BaseException) -> str:
    return f"{label}: {str(exc).strip()[:1500]}"


def test_every_operation_conforms_to_the_served_document(api_schema):
    """Coverage cases and fuzzed examples for all operations; all failures reported at once."""
    started, tally, failures, operations = time.monotonic(), collections.Counter(), [], 0
    coverage = 0
    for result in api_schema.get_all_operations():
        op = result.ok()
        operations += 1
        generation = api_schema.config.generation_for(operation=op, phase="coverage")
        for case in api_schema.iter_coverage_cases(
            op, generation_modes=list(GenerationMode), generation_config=generation
        ):
            coverage += 1
            try:
                _run(case, tally)
            except CHECK_FAILED as exc:
                failures.append(_failure(op.label, exc))
        # a download has no parameters: nothing can be negated, so only positive cases exist
        modes = list(GenerationMode) if any(op.iter_parameters()) else [GenerationMode.POSITIVE]

        @FUZZ
        @given(st.one_of([op.as_strategy(mode) for mode in modes]))
        def fuzz(case):
            _run(case, tally)

        try:
            fuzz()
        except CHECK_FAILED as exc:
            failures.append(_failure(op.label, exc))
    elapsed = time.monotonic() - started
    print(
        f"\nfuzzed {operations} operations ({FUZZ_PROFILE}: {EXAMPLES_PER_OPERATION} examples each), "
        f"{coverage} coverage cases and {sum(tally.values()) - coverage} examples in {elapsed:.0f} s: {dict(tally)}"
    )
    assert not failures, "\n\n".join(failures)
    # the run really exercised the service: successes, refusals and misses, on every operation
    assert operations >= 50 and sum(tally.values()) >= operations * EXAMPLES_PER_OPERATION
    assert tally[200] and tally[400] and tally[404]


def test_bbox_schema_allows_exactly_four_or_six_numbers(client):
    """Regression (found by the coverage phase): the schema said 4..6 items, so a 5-number bbox was
    schema-valid but refused with 400."""
    doc = orjson.loads(client.get("/api").data)
    params = doc["paths"]["/collections/communes/items"]["get"]["parameters"]
    schema = next(p for p in params if p["name"] == "bbox")["schema"]
    for good in ([4.3, 50.8, 4.4, 50.9], [4.3, 50.8, 0, 4.4, 50.9, 100]):
        jsonschema.validate(good, schema)
    for bad in ([4.3, 50.8, 4.4], [4.3, 50.8, 4.4, 50.9, 0], [0] * 7):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
    assert client.get("/collections/communes/items?bbox=4.3,50.8,0,4.4,50.9,100").status_code == 200


@pytest.mark.parametrize("param", ["crs", "bbox-crs"])
def test_empty_crs_is_refused_not_defaulted(client, param):
    """Regression (found by negative fuzzing): ``crs=`` was served as CRS84 although the
    document's enum does not admit an empty value."""
    response = client.get(f"/collections/communes/items?{param}=")
    assert response.status_code == 400 and orjson.loads(response.data)["details"]["parameter"] == param
    if param == "crs":
        assert client.get("/collections/communes/items/11002?crs=").status_code == 400
