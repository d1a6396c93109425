"""Cached answers replayed below Flask (geo_service/web/fastpath.py): the replay is Flask's answer
byte for byte, is logged, and is never given for another request, another snapshot or a cookie."""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import logging
import threading

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from geo_service.web.fastpath import FastPath
from geo_service.web.responses import SPILL_MIN_BYTES

WHOLE = "/collections/communes/items?limit=1000"  # spilled: sent from a file
DOCUMENT = "/collections/regions?f=json"  # kept in memory
_hosts = itertools.count()


def unique_host() -> str:
    """A host of its own per test: the key includes it, so answers other tests left are not reused."""
    return f"fastpath-{next(_hosts)}.test"


class Counted:
    """The app behind the layer, counting the requests that reached Flask."""

    def __init__(self, wsgi_app):
        self.wsgi_app, self.calls = wsgi_app, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.wsgi_app(environ, start_response)


@pytest.fixture()
def layer(app, monkeypatch):
    installed = app.wsgi_app
    assert isinstance(installed, FastPath)
    monkeypatch.setattr(installed, "wsgi_app", Counted(installed.wsgi_app))
    return installed


def call(wsgi, url: str, host: str, **headers):
    path, _, query = url.partition("?")
    environ = EnvironBuilder(
        path=path,
        query_string=query,
        base_url=f"http://{host}",
        headers={k.replace("_", "-"): v for k, v in headers.items()},
    ).get_environ()
    app_iter, status, response_headers = run_wsgi_app(wsgi, environ, buffered=True)
    body = b"".join(app_iter)
    return status, list(response_headers.to_wsgi_list()), body


def comparable(headers):
    return [(k, v) for k, v in headers if k not in ("Date", "X-Request-ID")]


@pytest.mark.parametrize(
    "url, headers",
    [
        (WHOLE, {"Accept_Encoding": "identity"}),
        (WHOLE, {"Accept_Encoding": "gzip"}),
        (DOCUMENT, {}),
        (DOCUMENT, {"Accept_Encoding": "gzip, deflate"}),
        ("/collections?f=html", {"Accept_Language": "nl"}),
    ],
)
def test_the_replay_is_flasks_answer(layer, url, headers):
    host = unique_host()
    answers = [call(layer, url, host, **headers) for _ in range(3)]
    assert layer.wsgi_app.calls == 2  # answered twice alike by Flask, then replayed
    flask = call(layer.wsgi_app, url, host, **headers)  # the app itself, for comparison
    status, replayed_headers, body = answers[2]
    assert status == flask[0] == "200 OK"
    assert comparable(replayed_headers) == comparable(flask[1]) and body == flask[2]
    assert [k for k, _ in replayed_headers] == [k for k, _ in flask[1]]  # the same headers in the same order
    named = dict(replayed_headers)
    for header in ("ETag", "Cache-Control", "Vary", "Last-Modified", "X-Data-Version", "Content-Security-Policy"):
        assert named[header]
    assert named["Access-Control-Allow-Origin"] == "*" and named["X-Content-Type-Options"] == "nosniff"
    ids = {dict(h)["X-Request-ID"] for _, h, _ in answers}
    assert len(ids) == 3  # a new request id each time
    if "gzip" in headers.get("Accept_Encoding", ""):
        assert named["Content-Encoding"] == "gzip" and gzip.decompress(body)
    else:
        assert "Content-Encoding" not in named


def test_a_revalidation_gets_the_same_304(layer):
    host = unique_host()
    etag = dict(call(layer, WHOLE, host)[1])["ETag"]
    answers = [call(layer, WHOLE, host, If_None_Match=etag) for _ in range(3)]
    calls = layer.wsgi_app.calls
    flask = call(layer.wsgi_app, WHOLE, host, If_None_Match=etag)
    assert calls == 3 and [a[0] for a in answers] == ["304 NOT MODIFIED"] * 3
    assert comparable(answers[2][1]) == comparable(flask[1]) and answers[2][2] == flask[2] == b""
    assert dict(answers[2][1])["ETag"] == etag
    stale = call(layer, WHOLE, host, If_None_Match='"another-etag"')  # another key: a whole answer
    assert stale[0] == "200 OK" and dict(stale[1])["ETag"] == etag


def test_a_cookie_a_credential_or_another_accept_goes_to_flask(layer):
    host = unique_host()
    for _ in range(3):
        call(layer, DOCUMENT, host)
    assert layer.wsgi_app.calls == 2
    for _ in range(3):
        call(layer, DOCUMENT, host, Cookie="lang=fr")
    call(layer, DOCUMENT, host, Authorization="Bearer x")
    assert layer.wsgi_app.calls == 6
    status, headers, body = call(layer, "/collections/regions", host, Accept="text/html")
    assert layer.wsgi_app.calls == 7 and status == "200 OK"
    assert dict(headers)["Content-Type"].startswith("text/html") and body.lstrip().startswith(b"<!")
    call(layer, DOCUMENT, host, Accept_Language="fr")  # a header the app reads: another key
    assert layer.wsgi_app.calls == 8


def test_an_answer_that_sets_a_cookie_is_never_replayed(layer):
    host = unique_host()
    for _ in range(3):
        status, headers, _ = call(layer, "/collections?f=json&lang=nl", host)
        assert status == "200 OK" and "Set-Cookie" in dict(headers)  # the language is remembered
    assert layer.wsgi_app.calls == 3


def test_new_data_are_never_answered_from_the_old(fresh_app):
    layer = fresh_app.wsgi_app
    layer.wsgi_app = Counted(layer.wsgi_app)
    holder = fresh_app.extensions["geo_service"]
    host = unique_host()
    url = "/collections/initiatives/items?limit=5"
    before = [call(layer, url, host) for _ in range(3)]
    assert layer.wsgi_app.calls == 2
    original = holder._snapshot
    catalogue = original.catalogue
    initiatives = catalogue.initiatives.copy()
    initiatives.loc[initiatives.index[0], "name"] = "Renamed by new data"
    holder._snapshot = dataclasses.replace(
        original,
        catalogue=dataclasses.replace(catalogue, initiatives=initiatives),
        version="f" * 16,
        _memo={},
        _lock=threading.Lock(),
    )  # what a swap does: another snapshot (here even the old one stays alive)
    after = call(layer, url, host)
    assert layer.wsgi_app.calls == 3
    assert b"Renamed by new data" in after[2] and b"Renamed by new data" not in before[2][2]
    assert dict(after[1])["X-Data-Version"] == "f" * 16 != dict(before[2][1])["X-Data-Version"]
    holder._snapshot = original  # and back: the records of the other snapshot are not replayed either
    call(layer, url, host)
    assert layer.wsgi_app.calls == 4


@pytest.mark.parametrize("url", [DOCUMENT, WHOLE])
def test_a_replay_writes_the_line_flask_writes(layer, caplog, url):
    host = unique_host()
    with caplog.at_level(logging.INFO, logger="geo_service.access"):
        for n in range(3):
            status, headers, body = call(layer, url, host, X_Request_ID=f"request-number-{n}")
    assert layer.wsgi_app.calls == 2 and status == "200 OK"
    assert dict(headers)["X-Request-ID"] == "request-number-2"  # the client's id, as Flask does
    lines = [r for r in caplog.records if r.name == "geo_service.access"]
    assert [line.request_id for line in lines] == ["request-number-0", "request-number-1", "request-number-2"]
    fields = [(line.method, line.path, line.status, line.bytes, line.client) for line in lines]
    assert fields[0] == fields[2]  # Flask's line and the replay's
    assert fields[2][1:4] == (url.partition("?")[0], 200, len(body)) and len(fields[2][4]) == 16
    assert lines[2].duration_ms >= 0


def test_the_records_are_bounded(app):
    layer = FastPath(app, app.wsgi_app.wsgi_app, max_records=3)
    host = unique_host()
    for n in range(6):
        call(layer, f"/collections/communes/items?limit={n + 1}", host)
    assert len(layer) == 3


def test_a_real_server_sends_the_replayed_file(layer, live_server):
    """Through a WSGI server (file wrapper, sockets): the third answer, replayed, is the first."""
    import http.client

    answers = []
    for _ in range(3):
        conn = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=60)
        conn.request("GET", WHOLE, headers={"Accept-Language": "x-fastpath-live", "Accept-Encoding": "gzip"})
        response = conn.getresponse()
        answers.append((response.status, comparable(response.getheaders()), response.read()))
        conn.close()
    assert layer.wsgi_app.calls == 2
    assert answers[2] == answers[0] and answers[2][0] == 200
    assert len(answers[2][2]) >= SPILL_MIN_BYTES and gzip.decompress(answers[2][2])  # sent from its spilled file
