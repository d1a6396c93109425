"""Cheap refusal of form abuse (issue 13 item 2) and an atomic rate limit (item 7): a form
stuffed with values is refused before validation, fast and small; refused posts count in the
rate limit; the 422 page never draws more rows than the form has; concurrent submissions never
get past the limit, on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from nominations_support import BACKENDS, backend_app_fixture, fresh_database_url, hidden, new_token, valid_form

from geo_service.catalogue.vocab import THEMES
from geo_service.errors import GeoServiceError
from geo_service.nominations.validation import MAX_PLACES
from geo_service.store import EXTENSION
from geo_service.store.changes import CatalogueStore, RateLimit

LIMIT = RateLimit(10_000, timedelta(hours=1))


app = backend_app_fixture("abuse", backends=["sqlite"], submit=LIMIT)


@pytest.fixture()
def store(app):
    store = app.extensions[EXTENSION]
    yield store
    store.limits["submit"] = LIMIT


def _form(client, **overrides) -> dict:
    page = client.get("/nominate")
    return valid_form(
        csrf_token=hidden(page.data, "csrf_token"), submission_token=hidden(page.data, "submission_token"), **overrides
    )


def test_a_form_stuffed_with_100000_places_is_refused_fast_and_small(app, store):
    client = app.test_client()
    body = urlencode(_form(client, place=[""] * 100_000), doseq=True).encode()  # 1.1 MB, under the 2 MiB limit
    started = time.perf_counter()
    response = client.post("/nominate", data=body, content_type="application/x-www-form-urlencoded")
    elapsed = time.perf_counter() - started
    body = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "The form has 100" in body and "values" in body and "Reload the form" in body
    print(f"100,000 place fields: {response.status_code} in {elapsed * 1000:.0f} ms, {len(response.data)} bytes")
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert len(response.data) < 50_000, len(response.data)
    assert store.list("pending") == []


@pytest.mark.parametrize(
    "field, count", [("themes", len(THEMES) + 1), ("place", MAX_PLACES + 1), ("name", 2), ("consent", 3)]
)
def test_more_values_than_the_form_has_are_refused(app, store, field, count):
    client = app.test_client()
    response = client.post("/nominate", data=_form(client, **{field: ["x"] * count}))
    assert response.status_code == 413 and f"{count} values for &#39;{field}&#39;" in response.get_data(as_text=True)
    assert store.list("pending") == []


def test_many_distinct_fields_are_refused(app, store):
    client = app.test_client()
    response = client.post("/nominate", data=_form(client, **{f"f{i}": "x" for i in range(50)}))
    assert response.status_code == 413 and "different fields" in response.get_data(as_text=True)


def test_a_multipart_form_with_too_many_parts_gets_413(app, store):
    client = app.test_client()
    form = _form(client, **{f"f{i}": "x" for i in range(150)})
    response = client.post("/nominate", data=form, content_type="multipart/form-data")
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)


def test_the_422_page_draws_no_more_rows_than_the_form_has(app, store):
    client = app.test_client()
    themes = list(THEMES[: MAX_PLACES + 2])  # more themes than places: each field keeps its own bound
    response = client.post(
        "/nominate",
        data=_form(
            client,
            place=["Atlantis"] * MAX_PLACES,
            address=[""] * MAX_PLACES,
            postcode=[""] * MAX_PLACES,
            themes=themes,
        ),
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Atlantis" in body
    assert body.count('name="place"') == MAX_PLACES
    assert len(re.findall(r'name="themes" value="[^"]+" checked', body)) == len(themes)  # the choices are kept


def test_refused_submissions_count_in_the_rate_limit(app, store):
    store.limits["submit"] = RateLimit(4, timedelta(hours=1))
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.41"
    statuses = [
        client.post("/nominate", data=_form(client, name="")).status_code,
        client.post("/nominate", data=_form(client, place=[""] * 5000)).status_code,
        client.post("/nominate", data=_form(client, place=[""] * 11)).status_code,
        client.post("/nominate", data=_form(client, homepage="http://spam.example")).status_code,
        client.post("/nominate", data=_form(client)).status_code,
    ]  # valid, but the budget is spent
    assert statuses == [422, 413, 413, 400, 429]
    assert store.list("pending") == []
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.42"
    assert other.post("/nominate", data=_form(other)).status_code == 303  # another client is not affected


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_submissions_never_pass_the_limit(backend, tmp_path):
    """Issue 13 item 7: count-then-insert let 22 of a limit of 20 through on PostgreSQL."""
    store = CatalogueStore(fresh_database_url(backend, tmp_path), submit_limit=RateLimit(20, timedelta(hours=1)))
    data = {"name": "Concurrent café", "description": "x", "places": [], "themes": ["language"], "scope": "local"}
    outcomes: list[str] = []
    barrier = threading.Barrier(16)

    def worker() -> None:
        barrier.wait()
        for _ in range(3):
            try:
                store.submit(data, {"email": "a@b.example"}, new_token(), "en", "one-client")
                outcomes.append("accepted")
            except GeoServiceError as exc:
                outcomes.append(exc.code)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.engine.dispose()
    assert outcomes.count("accepted") == 20 and outcomes.count("TooManyRequests") == 28, outcomes
