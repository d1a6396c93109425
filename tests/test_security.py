"""The security claims of docs/security.md that no other test proves: headers on every kind of
response, script hashes and nonces, no inline handlers, the Secure cookie flag, rate limits
shared across workers, download names that never reach the file system, SQL text stored
verbatim, CSRF on the login form, and the instance secret key file."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from flask import Flask, render_template_string
from nominations_support import BACKENDS, fresh_database_url, hidden, login, make_app, submit_form, valid_form
from sqlalchemy import func, select, text
from test_pages import GZIP, html_of

from geo_service.store import EXTENSION
from geo_service.store.changes import CatalogueStore, RateLimit
from geo_service.store.errors import NotAuthenticated, RateLimited
from geo_service.store.models import Moderator, Nomination
from geo_service.web.security import init_security_headers, render_cacheable

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
PAGE_ONLY = ("Referrer-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy", "Permissions-Policy")
CACHED_PAGES = [
    "/?lang=en",
    "/map/coverage?lang=fr",
    "/map/employment?lang=nl",
    "/map/gaps?lang=en",
    "/commune/21004?lang=fr",
    "/initiative/schola-ulb?lang=en",
]
OTHER_PAGES = ["/nominate?lang=en", "/search?q=li&all=1", "/moderation/login", "/collections?f=html", "/api?f=html"]


def assert_security_headers(response, page: bool | None = None) -> None:
    """A page carries the full set; anything else (JSON, CSV, scripts, styles) a policy that
    denies everything and no page-only header. A 304 has no type of its own: ``page`` says
    what its resource is (its headers refresh those stored with it)."""
    policy = response.headers.get("Content-Security-Policy", "")
    if page is None:
        assert response.status_code != 304, "say whether the 304 stands for a page"
        page = response.mimetype == "text/html"
    if page:
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (name, response.status_code)
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy, policy
    else:
        assert response.headers.get("X-Content-Type-Options") == "nosniff", response.status_code
        assert policy == "default-src 'none'; frame-ancestors 'none'", (response.mimetype, policy)
        assert not [name for name in PAGE_ONLY if name in response.headers], response.mimetype


def script_sources(response) -> list[str]:
    """script-src of the response's CSP, one source per item."""
    policy = dict(d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";"))
    return policy["script-src"].split()


class _Page(HTMLParser):
    """Inline script bodies, event-handler attributes and javascript: URLs, by a real HTML parser."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.scripts, self.handlers, self.js_urls, self._inside = [], [], [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [f"{tag} {k}" for k in attrs if k.startswith("on")]
        self.js_urls += [
            v
            for k, v in attrs.items()
            if k in ("href", "src", "action", "formaction") and (v or "").strip().lower().startswith("javascript:")
        ]
        if tag == "script" and "src" not in attrs:
            self._inside = []

    def handle_data(self, data):
        if self._inside is not None:
            self._inside.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._inside is not None:
            self.scripts.append("".join(self._inside))
            self._inside = None


def sha256_source(script: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"


# --- headers on every response ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    CACHED_PAGES
    + OTHER_PAGES
    + [
        "/collections?f=json",
        "/collections/communes/items?f=json&limit=2",
        "/static/site.css",
        "/static/print.js",
        "/vendor/leaflet/leaflet.js",
        "/no-such-page",
        "/collections/no-such-collection",
        "/moderation/",
        "/map/coverage?kind=astrology",
        "/commune/99999",
    ],
)
def test_every_kind_of_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code in (200, 303, 400, 401, 404)
    assert_security_headers(response)


@pytest.mark.parametrize(
    ("path", "accept", "page"),
    [
        ("/collections/communes/items?limit=2", "text/html", True),
        ("/collections/communes/items?limit=2", "application/geo+json", False),
        ("/downloads/communes.csv", "*/*", False),
        ("/static/site.css", "*/*", False),
        ("/api/no-such-thing", "application/json", False),
        ("/no-such-page", "text/html", True),
    ],
)
def test_pages_get_the_full_set_and_data_the_short_one(client, path, accept, page):
    """The same resource as a page and as data: the page-only headers follow the media type."""
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == (404 if "no-such" in path else 200), (path, response.status_code)
    assert (response.mimetype == "text/html") is page, (path, response.status_code, response.mimetype)
    assert_security_headers(response)
    assert all((name in response.headers) is page for name in PAGE_ONLY), dict(response.headers)


@pytest.mark.parametrize(
    ("path", "accept", "page"),
    [
        ("/collections/communes/items?limit=2", "application/geo+json", False),
        ("/collections/communes/items?limit=2", "text/html", True),
        ("/vendor/leaflet/leaflet.js", "*/*", False),
    ],
)
def test_a_304_carries_the_headers_of_the_resource_it_stands_for(client, path, accept, page):
    """A browser refreshes the headers it stored with a resource from its 304: the same set."""
    first = client.get(path, headers={"Accept": accept})
    again = client.get(path, headers={"Accept": accept, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and "Content-Type" not in again.headers
    assert_security_headers(again, page=page)
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_a_script_on_another_origin_can_read_the_data_version_and_etag(client):
    """Fetch exposes only the CORS-safelisted response headers (Last-Modified is one) unless
    Access-Control-Expose-Headers names the others."""
    response = client.get("/collections/communes/items?limit=1", headers={"Origin": "https://example.org"})
    exposed = {name.strip().lower() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "x-data-version", "content-crs", "link"} <= exposed
    assert "last-modified" not in exposed and response.headers["X-Data-Version"] and response.headers["Last-Modified"]


def test_only_the_read_only_api_answers_other_origins(client):
    assert client.get("/collections?f=json").headers.get("Access-Control-Allow-Origin") == "*"
    for path in ("/nominate", "/moderation/login", "/map/coverage", "/search?q=li"):
        assert "Access-Control-Allow-Origin" not in client.get(path).headers, path


def test_304_413_and_405_responses_carry_the_security_headers(client):
    first = client.get("/map/employment?lang=en", headers=GZIP)
    revalidated = client.get("/map/employment?lang=en", headers={**GZIP, "If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304
    assert_security_headers(revalidated, page=True)
    assert script_sources(revalidated) == script_sources(first)  # the 304 refreshes the stored header
    static = client.get("/static/site.css")
    static_304 = client.get("/static/site.css", headers={"If-None-Match": static.headers["ETag"]})
    assert static_304.status_code == 304
    assert_security_headers(static_304, page=False)
    too_large = client.post("/nominate", data={"description": "x" * (3 * 1024 * 1024)})
    assert too_large.status_code == 413
    assert_security_headers(too_large)
    not_allowed = client.delete("/collections")
    assert not_allowed.status_code == 405
    assert_security_headers(not_allowed)


def test_an_unhandled_error_500_carries_the_security_headers():
    app = Flask(__name__)
    init_security_headers(app)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert_security_headers(response)


def test_a_security_header_a_view_sets_is_kept_and_none_is_doubled():
    app = Flask(__name__)
    init_security_headers(app, hsts=True)

    @app.get("/framed")
    def framed():
        return "x", 200, {"X-Frame-Options": "SAMEORIGIN", "content-security-policy": "default-src 'none'"}

    headers = app.test_client().get("/framed").headers
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    names = [name.lower() for name, _ in headers]
    assert len(names) == len(set(names)) and "strict-transport-security" in names


# --- scripts: hashes for cached pages, nonces for the others ------------------------------------


@pytest.mark.parametrize("path", CACHED_PAGES)
def test_cached_page_csp_lists_exactly_the_hashes_of_its_inline_scripts(client, path):
    html = {"Accept": "text/html"}  # "/" answers JSON to clients that do not ask for HTML
    plain, packed = client.get(path, headers=html), client.get(path, headers={**GZIP, **html})
    assert plain.status_code == 200 and packed.headers.get("Content-Encoding") == "gzip"
    page = _Page(html_of(plain))
    assert page.scripts, "a map page writes its map code inline"
    expected = {"'self'", *map(sha256_source, page.scripts)}
    assert set(script_sources(plain)) == expected == set(script_sources(packed))
    assert "nonce" not in plain.headers["Content-Security-Policy"] and "nonce=" not in html_of(plain)


@pytest.mark.parametrize("path", OTHER_PAGES)
def test_pages_without_inline_scripts_allow_only_the_apps_own_files(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert _Page(response.get_data(as_text=True)).scripts == []
    assert script_sources(response) == ["'self'"]


def test_a_nonce_is_fresh_per_response_and_matches_the_page():
    app = Flask(__name__)
    init_security_headers(app)

    @app.get("/")
    def page():
        return render_template_string('<script nonce="{{ csp_nonce() }}">let a = 1;</script>')

    client = app.test_client()
    nonces = []
    for _ in range(2):
        response = client.get("/")
        nonce = response.get_data(as_text=True).split('nonce="')[1].split('"')[0]
        assert f"'nonce-{nonce}'" in script_sources(response)
        nonces.append(nonce)
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 22


def test_a_cached_page_cannot_take_a_nonce():
    app = Flask(__name__)
    init_security_headers(app)
    with app.test_request_context("/"):
        assert render_cacheable(lambda: render_template_string("<p>{{ 1 + 1 }}</p>")) == "<p>2</p>"
        with pytest.raises(RuntimeError, match="nonce"):
            render_cacheable(lambda: render_template_string('<script nonce="{{ csp_nonce() }}"></script>'))


@pytest.mark.parametrize("path", CACHED_PAGES + OTHER_PAGES)
def test_pages_have_no_inline_event_handlers_or_javascript_urls(client, path):
    page = _Page(html_of(client.get(path)))
    assert page.handlers == [] and page.js_urls == []


# --- cookies, CSRF, rate limits, SQL ------------------------------------------------------------


def test_session_cookie_has_no_secure_flag_unless_asked(client):
    cookie = client.get("/nominate").headers.get("Set-Cookie", "")
    assert "session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.fixture(scope="module", params=BACKENDS)
def https_app(request, settings, tmp_path_factory):
    """The app as deployed behind one HTTPS proxy: GEO_SERVICE_SECURE_COOKIES and
    GEO_SERVICE_PROXY_HOPS=1 set."""
    folder = tmp_path_factory.mktemp(f"security-{request.param}")
    application = make_app(
        replace(settings, secure_cookies=True, proxy_hops=1), fresh_database_url(request.param, folder), folder
    )
    yield application
    application.extensions[EXTENSION].engine.dispose()


def _https_client(app):
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


def test_session_cookie_is_secure_httponly_and_samesite_when_asked(https_app):
    cookie = _https_client(https_app).get("/nominate").headers.get("Set-Cookie", "")
    assert "session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_starts_a_new_session_holding_only_the_moderator(https_app):
    client = _https_client(https_app)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before login"
    assert login(client, https_app.extensions[EXTENSION], username="fresh-session").status_code == 303
    with client.session_transaction() as session:
        assert (
            set(session)
            <= {"moderator_id", "moderator_name", "moderator_version", "moderator_since", "_permanent", "csrf_token"}
            and "moderator_id" in session
        )


def test_login_form_needs_its_csrf_token(https_app):
    store = https_app.extensions[EXTENSION]
    store.create_moderator("csrf-check", "a long enough password")
    client = _https_client(https_app)
    client.get("/moderation/login")
    response = client.post("/moderation/login", data={"username": "csrf-check", "password": "a long enough password"})
    assert response.status_code == 400 and "security token" in response.get_data(as_text=True)
    assert client.get("/moderation/").headers["Location"].startswith("/moderation/login")  # not logged in


SQL_NAME = "Robert'); DROP TABLE nominations; --"
SQL_DESCRIPTION = "x' OR '1'='1\"; DELETE FROM moderators WHERE 1=1; /* \\ ; %s :name ?"


def test_sql_metacharacters_in_a_nomination_are_stored_verbatim(https_app):
    store = https_app.extensions[EXTENSION]
    with store.sessions() as s:
        moderators = s.scalar(select(func.count()).select_from(Moderator))
    response = submit_form(_https_client(https_app), name=SQL_NAME, description=SQL_DESCRIPTION)
    assert response.status_code == 303
    nomination = store.by_token(response.headers["Location"].rsplit("/", 1)[1])
    assert nomination.data["name"] == SQL_NAME and nomination.data["description"] == SQL_DESCRIPTION
    with store.engine.connect() as conn:  # both tables are still there, and nothing was deleted
        stored = conn.execute(text("SELECT data FROM nominations WHERE id = :id"), {"id": nomination.id}).scalar()
        assert conn.execute(text("SELECT count(*) FROM moderators")).scalar() == moderators
    assert SQL_NAME in str(stored)
    with store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Nomination)) >= 1


def test_overlong_fields_get_422_and_an_overlong_search_400(https_app, client):
    store = https_app.extensions[EXTENSION]
    before = len(store.list(None))
    for field, size in (("name", 201), ("description", 5001), ("contact_email", 255)):
        response = submit_form(_https_client(https_app), **{field: "a" * (size - 12) + "@example.org"})
        assert response.status_code == 422 and "At most" in response.get_data(as_text=True), field
    assert len(store.list(None)) == before
    assert client.get("/search?q=" + "a" * 201).status_code == 400


def test_the_receipt_page_shows_no_contact(https_app):
    from nominations_support import CONTACT_EMAIL, CONTACT_PHONE

    client = _https_client(https_app)
    receipt = client.get(submit_form(client).headers["Location"]).get_data(as_text=True)
    assert 'id="reference"' in receipt and CONTACT_EMAIL not in receipt and CONTACT_PHONE not in receipt


def test_rate_limit_keeps_a_hash_of_the_address_not_the_address(https_app):
    store = https_app.extensions[EXTENSION]
    client = _https_client(https_app)
    client.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    assert submit_form(client).status_code == 303
    with store.engine.connect() as conn:
        rows = [str(r) for r in conn.execute(text("SELECT * FROM rate_hits"))]
        nominations = [str(r) for r in conn.execute(text("SELECT * FROM nominations"))]
    assert rows and not any("198.51.100.23" in r for r in rows + nominations)


def test_login_rate_limit_gets_429_over_http(https_app):
    store = https_app.extensions[EXTENSION]
    store.limits["login"] = RateLimit(2, timedelta(minutes=15))
    try:
        client = _https_client(https_app)
        client.environ_base["REMOTE_ADDR"] = "203.0.113.7"  # a client with no earlier login attempt
        statuses = []
        for _ in range(3):
            token = hidden(client.get("/moderation/login").data, "csrf_token")
            statuses.append(
                client.post(
                    "/moderation/login",
                    data={"username": "nobody", "password": "wrong password 123", "csrf_token": token},
                ).status_code
            )
        assert statuses == [401, 401, 429]
    finally:
        store.limits["login"] = RateLimit(10, timedelta(minutes=15))


def test_rate_limit_holds_across_workers(https_app):
    """A second store on the same database, with its own engine and connection pool as a second
    gunicorn worker has: the hits of one count against the other, because they live in the database."""
    limit = RateLimit(3, timedelta(minutes=15))
    first = https_app.extensions[EXTENSION]
    second = CatalogueStore(first.url, login_limit=limit)
    first.limits["login"] = limit
    try:
        for store in (first, second, first):
            with pytest.raises(NotAuthenticated):
                store.authenticate("nobody", "wrong password 123", "client-x")
        with pytest.raises(RateLimited):
            second.authenticate("nobody", "wrong password 123", "client-x")
        with pytest.raises(NotAuthenticated):  # another client is not affected
            second.authenticate("nobody", "wrong password 123", "client-y")
    finally:
        first.limits["login"] = RateLimit(10, timedelta(minutes=15))
        second.engine.dispose()


# --- file system: downloads and the secret key --------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/downloads/..",
        "/downloads/...",
        "/downloads/../secret_key",
        "/downloads/..%2F..%2Finstance%2Fsecret_key",
        "/downloads/%2e%2e%2fsecret_key.geojson",
        "/downloads/..%5Csecret_key.csv",
        "/downloads/secret_key",
        "/downloads/nominations.sqlite3",
        "/downloads/%2Fetc%2Fpasswd",
        "/downloads/communes.geojson%00.csv",
        "/downloads/..%2Fcommunes.geojson",
        "/downloads/communes.gpkg%2F..%2F..%2Fsettings.py",
        "/static/../geo_service/settings.py",
        "/static/..%2Fgeo_service%2Fsettings.py",
        "/static/%2Fetc%2Fpasswd",
    ],
)
def test_file_names_in_urls_that_are_not_offered_get_404(client, path):
    response = client.get(path, follow_redirects=True)  # Werkzeug may first merge slashes (308)
    assert response.status_code == 404
    assert b"SECRET_KEY" not in response.data and b"root:" not in response.data
    assert client.get("/downloads/communes.geojson").status_code == 200  # the real name does work


def test_instance_secret_key_is_created_once_readable_by_the_owner_only(settings, tmp_path):
    from geo_service.app import _instance_secret

    instance = replace(settings, secret_key=None, instance_dir=tmp_path / "instance")
    key = _instance_secret(instance)
    path = tmp_path / "instance" / "secret_key"
    assert len(key) == 64 and path.read_text() == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert _instance_secret(instance) == key  # every worker and restart signs with the same key


def test_hsts_is_sent_only_when_the_site_is_https_only(client, https_app):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    hsts = _https_client(https_app).get("/healthz").headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=31536000")


def test_forwarded_headers_are_trusted_only_when_proxies_are_declared(client, https_app):
    """Behind a declared proxy the API's links name the public host and scheme; without the
    setting a client cannot make the service believe another host or address."""
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "maps.example.org", "X-Forwarded-For": "203.0.113.7"}
    behind = _https_client(https_app).get("/ogc?f=json", headers=forwarded).get_json()
    assert {link["href"].split("/")[2] for link in behind["links"]} == {"maps.example.org"}
    assert all(link["href"].startswith("https://") for link in behind["links"])
    direct = client.get("/ogc?f=json", headers=forwarded).get_json()
    assert "maps.example.org" not in str(direct["links"])


def test_rate_limits_count_the_forwarded_client_behind_a_proxy(https_app):
    store = https_app.extensions[EXTENSION]
    client = _https_client(https_app)

    def submit_from(address: str, name: str):
        page = client.get("/nominate?lang=en")
        form = valid_form(
            csrf_token=hidden(page.data, "csrf_token"),
            submission_token=hidden(page.data, "submission_token"),
            name=name,
        )
        return client.post("/nominate?lang=en", data=form, headers={"X-Forwarded-For": address})

    before = dict(store.limits)
    store.limits["submit"] = RateLimit(1, timedelta(hours=1))
    try:
        first = submit_from("203.0.113.21", "Behind a proxy A")
        again = submit_from("203.0.113.21", "Behind a proxy B")
        other = submit_from("203.0.113.22", "Behind a proxy C")
    finally:
        store.limits.update(before)
    assert first.status_code == 303 and other.status_code == 303
    assert again.status_code == 429


def test_access_log_keeps_a_hash_of_the_client_not_its_address(client, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="geo_service.access"):
        client.get("/healthz", environ_base={"REMOTE_ADDR": "198.51.100.77"})
    [record] = [r for r in caplog.records if r.name == "geo_service.access" and r.path == "/healthz"][-1:]
    assert len(record.client) == 16 and "198.51.100.77" not in str(record.__dict__)


@pytest.mark.parametrize(
    "path, accept",
    [("/", "application/json"), ("/", "text/html"), ("/ogc", None), ("/collections/communes/items?limit=1", None)],
)
def test_every_answer_has_a_request_id_and_one_log_line(client, caplog, path, accept):
    """The JSON landing at / answers from a hook before any view: it is logged like the rest."""
    import logging

    headers = {"Accept": accept} if accept else {}
    with caplog.at_level(logging.INFO, logger="geo_service.access"):
        response = client.get(path, headers=headers)
    rid = response.headers.get("X-Request-ID")
    assert response.status_code == 200 and rid
    lines = [r for r in caplog.records if r.name == "geo_service.access" and getattr(r, "request_id", None) == rid]
    assert len(lines) == 1 and lines[0].status == 200


# --- issue 13, smaller items -------------------------------------------------------------------


def test_the_client_hash_is_keyed_by_the_deployment_secret():
    from geo_service.store.changes import client_key

    address = "198.51.100.77"
    plain = hashlib.sha256(address.encode()).hexdigest()
    keyed = client_key(address, "secret one")
    assert keyed not in plain and plain[:16] != keyed[:16]  # not findable by hashing every IPv4 address
    assert keyed == client_key(address, "secret one")  # stable within a deployment (rate limits hold)
    assert keyed != client_key(address, "secret two") and keyed != client_key("198.51.100.78", "secret one")


def test_the_access_log_hash_uses_the_app_secret(client, caplog, app):
    import logging

    from geo_service.store.changes import client_key

    with caplog.at_level(logging.INFO, logger="geo_service.access"):
        client.get("/healthz", environ_base={"REMOTE_ADDR": "198.51.100.78"})
    [record] = [r for r in caplog.records if r.name == "geo_service.access" and r.path == "/healthz"][-1:]
    assert record.client == client_key("198.51.100.78", app.secret_key)[:16]
    assert record.client != hashlib.sha256(b"198.51.100.78").hexdigest()[:16]


@pytest.mark.parametrize(
    "path", ["/%5Cevil.example", "/%5C%5Cevil.example/x", "/%2F%2Fevil.example", "/%5Cevil.example?lang=nl&x=1"]
)
def test_language_links_never_leave_the_site(client, path):
    """Issue 13: GET /%5Cevil.example rendered href="/\\evil.example?lang=fr", which browsers
    resolve to https://evil.example/."""
    response = client.get(path)
    links = [a.split('"')[0] for a in response.get_data(as_text=True).split('<a href="')[1:] if 'hreflang="' in a]
    assert response.status_code == 404 and len(links) == 3
    assert all(link.startswith("/?") and "evil" not in link and "\\" not in link for link in links), links


def test_language_links_keep_the_page_and_its_query(client):
    response = client.get("/search?q=zzqx&lang=fr")
    links = [a.split('"')[0] for a in response.get_data(as_text=True).split('<a href="')[1:] if 'hreflang="' in a]
    assert response.status_code == 200
    assert links == [f"/search?q=zzqx&amp;lang={code}" for code in ("fr", "nl", "en")]


def test_a_nul_byte_in_the_login_name_is_an_ordinary_failed_login(https_app):
    """Issue 13: PostgreSQL refuses NUL in text; the login answered 500."""
    client = _https_client(https_app)
    client.environ_base["REMOTE_ADDR"] = "203.0.113.99"
    token = hidden(client.get("/moderation/login").data, "csrf_token")
    response = client.post(
        "/moderation/login",
        data={"username": "moder\x00ator1", "password": "a long enough password", "csrf_token": token},
    )
    assert response.status_code == 401 and "wrong password" in response.get_data(as_text=True)


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    folder = tmp_path / "new-instance"
    store = CatalogueStore(f"sqlite:///{folder / 'nominations.sqlite3'}")
    try:
        store.create_moderator("mode-check", "a long enough password")  # writes: WAL and shared-memory files
    finally:
        store.engine.dispose()
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    files = sorted(folder.iterdir())
    assert files and all(stat.S_IMODE(os.stat(f).st_mode) == 0o600 for f in files), [
        (f.name, oct(os.stat(f).st_mode)) for f in files
    ]
