"""One error handler, one JSON-or-HTML rule: API paths answer JSON problems, pages answer the
error page unless JSON is asked for; every 405 names the allowed methods."""

from __future__ import annotations

import orjson
import pytest

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize(
    "path",
    [
        "/ogc/nothing",
        "/downloads/communes.xyz",
        "/downloads/a/b",
        "/collections/nowhere",
        "/collections/communes/items/00000",
        "/api/nothing",
        "/conformance/x",
    ],
)
def test_api_paths_answer_json_problems_even_to_browsers(client, path):
    response = client.get(path, headers=BROWSER)
    assert response.status_code == 404 and response.mimetype == "application/json", path
    body = orjson.loads(response.data)
    assert body["code"] == "NotFound" and body["description"]


@pytest.mark.parametrize("path", ["/no-such-page", "/apiary", "/ogcx", "/collectionsx"])
def test_other_paths_answer_the_error_page_to_browsers(client, path):
    response = client.get(path, headers=BROWSER)
    assert response.status_code == 404 and response.mimetype == "text/html", path
    assert b"404" in response.data and b"Traceback" not in response.data


@pytest.mark.parametrize("headers, query", [({"Accept": "application/json"}, ""), (BROWSER, "?f=json")])
def test_pages_answer_json_when_asked(client, headers, query):
    response = client.get(f"/no-such-page{query}", headers=headers)
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert orjson.loads(response.data)["code"] == "NotFound"


def test_root_errors_follow_the_root_rule(client):
    as_api = client.get("/?f=xml", headers={"Accept": "*/*"})
    assert as_api.status_code == 400 and as_api.mimetype == "application/json"
    assert orjson.loads(as_api.data)["details"]["parameter"] == "f"


def test_a_page_error_names_the_parameter_and_the_message(client):
    long = "x" * 201
    page = client.get(f"/search?q={long}&lang=en", headers=BROWSER)
    assert page.status_code == 400 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "The search text is too long (at most 200 characters)." in html
    assert "<code>q</code>" in html
    as_json = client.get(f"/search?q={long}&lang=en", headers={"Accept": "application/json"})
    body = orjson.loads(as_json.data)
    assert body["details"]["parameter"] == "q" and "at most 200 characters" in body["description"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("post", "/search"),
        ("delete", "/commune/21004"),
        ("put", "/"),
        ("post", "/map/coverage"),
        ("delete", "/collections"),
        ("post", "/downloads/communes.csv"),
    ],
)
def test_every_405_carries_allow(client, method, path):
    response = getattr(client, method)(path, headers=BROWSER)
    assert response.status_code == 405, path
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert "GET" in allowed and "HEAD" in allowed and method.upper() not in allowed, path
