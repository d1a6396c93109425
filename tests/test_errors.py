"""One error handler, one JSON-or-HTML rule: API paths answer JSON problems, pages answer the
error page unless JSON is asked for; every 405 names the allowed methods."""

from __future__ import annotations

import re

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


# --- an error never amplifies what was sent (issue 23 item 4) ----------------------------------

HUGE = 24_000


@pytest.mark.parametrize(
    "path, query",
    [
        ("/plan", {"change": "close:" + "a" * HUGE}),
        ("/plan", {"change": "kind:" + "x" * HUGE}),
        ("/plan", {"change": "add:civic_integration_office@" + "1" * HUGE}),
        ("/plan", [("change", "close:" + "b" * 74)] * 320),  # as many bad changes as fit in 24 KB
        ("/plan", {"at": "z" * HUGE}),
        ("/search", {"q": "q" * HUGE}),
        ("/collections/communes/items", {"x" * HUGE: "1"}),
        ("/collections/communes/items", {"sortby": "s" * HUGE}),
        ("/collections/communes/items", {"properties": "p" * HUGE}),
    ],
)
def test_an_error_echoes_at_most_a_short_excerpt(client, path, query):
    """A 24 KB invalid request came back as a 128 KB error page (the message, every detail and the
    three language links repeated it): now an error is small whatever was sent, as page or JSON."""
    from urllib.parse import urlencode

    from geo_service.web.responses import ECHO_CHARS, MESSAGE_CHARS

    sent = urlencode(query)
    assert len(sent) >= HUGE
    for headers in (BROWSER, {"Accept": "application/json"}):
        response = client.get(f"{path}?{sent}", headers=headers)
        assert response.status_code == 400, (path, response.data[:200])
        body = response.get_data(as_text=True)
        longest = max(len(run) for run in re.findall(r"(.)\1*", body))  # the longest repeat of one character
        assert longest < ECHO_CHARS, (path, longest)
        if response.mimetype == "application/json":
            problem = orjson.loads(body)
            assert len(problem["description"]) <= MESSAGE_CHARS and len(body) < 8_000, (path, len(body))
        else:
            assert len(body) < 24_000, (path, len(body))  # the page itself is about 6 KB


def test_the_plan_error_keeps_what_helps_after_the_excerpt(client):
    response = client.get(
        "/plan", query_string={"change": "kind:" + "x" * HUGE}, headers={"Accept": "application/json"}
    )
    problem = orjson.loads(response.data)
    error = problem["details"]["errors"][0]
    assert "kind:" + "x" * 74 + "…" in error and "x" * 75 not in error  # the value sent: 80 characters of it
    assert error.endswith("(a capacity is a whole number from 1 to 9999)")  # what to send instead: whole
    many = client.get("/plan?" + "&".join(["change=close:nowhere"] * 40), headers={"Accept": "application/json"})
    errors = orjson.loads(many.data)["details"]["errors"]
    assert len(errors) == 11 and errors[-1].startswith("… and ") and errors[-1].endswith(" more")


def test_an_echo_is_escaped(client):
    payload = "<script>alert(1)</script>"
    api = client.get("/collections/communes/items", query_string={"sortby": payload}, headers=BROWSER)
    assert api.mimetype == "application/json" and payload in orjson.loads(api.data)["description"]
    page = client.get("/plan", query_string={"change": payload}, headers=BROWSER)
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_language_links_of_an_error_page_keep_a_short_query_only(client):
    short = client.get("/search?q=" + "q" * 201 + "&lang=fr", headers=BROWSER).get_data(as_text=True)
    assert short.count("q" * 201) == 3  # the three language links
    long = client.get("/search?q=" + "q" * 400 + "&lang=fr", headers=BROWSER).get_data(as_text=True)
    links = re.findall(r'<a href="([^"]*)" hreflang="(\w+)"', long)
    assert [hreflang for _, hreflang in links] == ["fr", "nl", "en"]
    assert all(href.endswith(f"?lang={lang}") for href, lang in links)


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_a_404_page_shows_no_error_code_in_its_words(client, lang):
    """Issue 24: "Details: ... NotFound" showed the code of the error, meant for programs, to people."""
    for path in ("/no-such-page", "/commune/00000", "/initiative/nothing-here"):
        response = client.get(f"{path}?lang={lang}", headers=BROWSER)
        assert response.status_code == 404, path
        html = response.get_data(as_text=True)
        assert "NotFound" not in html, path
        detail = re.search(r'<p class="error-detail">(.*?)</p>', html, re.S)
        if detail:  # a specific message only, never werkzeug's generic English sentence
            assert "requested URL was not found" not in detail.group(1), path
    problem = orjson.loads(client.get("/no-such-page", headers={"Accept": "application/json"}).data)
    assert problem["code"] == "NotFound"  # programs keep the code


def test_an_api_page_asked_for_as_html_errs_in_html_in_its_language(client):
    """A person reading the API's HTML pages in Dutch who follows a wrong link gets a Dutch page,
    not an English JSON problem; a client that names no format still gets JSON."""
    page = client.get("/collections/nothing?f=html&lang=nl")
    assert page.status_code == 404 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert 'lang="nl"' in text and "NotFound" not in text and "nothing" in text
    problem = client.get("/collections/nothing")
    assert problem.status_code == 404 and problem.get_json()["code"] == "NotFound"
