"""Cached answers replayed below Flask: a WSGI layer in front of the app (installed in ``app.py``).

A cached response costs little to find (``responses.cached_body``) but Flask's request machinery
and the app-wide hooks (security headers, CORS, request log) cost more per request than sending
the bytes of a whole layer with sendfile(). So when Flask answers a plain GET through the one
response path (``responses.send`` marks the request), this layer keeps what went out: status,
the final header list (every hook's headers included) and a weak reference to the cached body.
The same request again, for the same data version, is answered from that record: the same bytes
and headers, a fresh ``X-Request-ID``, one line in the request log; the body sent as ``send``
sends it (a file through the server's ``wsgi.file_wrapper`` when large).

Only what cannot differ is replayed. The key is the request's path, query, host and scheme and
every request header the app chooses a response by (:data:`KEYED`: content type, encoding,
language, ``If-None-Match``, so a 304 is replayed for the ETag it answered). A request with a
cookie or credentials, a body, another method, a response that sets a cookie or varies on a
header outside the key: Flask, as before. A key is replayed once Flask has answered it twice
alike (same body, same headers but the request id), so nothing that differs per request (the
first answer may be the one that built the body) is ever replayed. A record belongs to the
snapshot it was answered from: once another is swapped in (new data), every request goes to
Flask again until it has answered twice from the new one; a body evicted from its cache ends
its record. The records are bounded in number (:data:`MAX_RECORDS`) and hold no body of their
own (a weak reference to the cached one).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from flask import Flask

from . import request_log
from .responses import SENT, spilled

KEYED = ("HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_ACCEPT_LANGUAGE", "HTTP_IF_NONE_MATCH")
_KEYED_NAMES = {name[5:].replace("_", "-").lower() for name in KEYED} | {"cookie"}  # cookie: never replayed
_REFUSED = ("HTTP_COOKIE", "HTTP_AUTHORIZATION")
MAX_RECORDS = 4096


@dataclass(frozen=True)
class Record:
    snapshot: weakref.ref  # the data it was answered from
    status: str
    headers: tuple[tuple[str, str], ...]  # X-Request-ID's value left empty
    request_id_at: int  # index of X-Request-ID in ``headers``
    body: weakref.ref | None  # the cached Body (None: a 304)
    gzipped: bool
    confirmed: bool = False  # Flask answered this key twice alike: replayed from then on

    def alike(self, other: Record) -> bool:
        return (
            (self.status, self.headers, self.gzipped) == (other.status, other.headers, other.gzipped)
            and self.snapshot() is other.snapshot()
            and (self.body is None or self.body() is other.body())
        )


def request_key(environ: dict) -> tuple | None:
    """What the response to this request depends on, or None when it must go to Flask."""
    if environ.get("REQUEST_METHOD") != "GET" or environ.get("CONTENT_LENGTH") not in (None, "", "0"):
        return None
    if any(name in environ for name in _REFUSED):
        return None
    return (
        environ.get("PATH_INFO"),
        environ.get("QUERY_STRING"),
        environ.get("SCRIPT_NAME"),
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        *(environ.get(name) for name in KEYED),
    )


class FastPath:
    """The WSGI layer: replays recorded answers, records Flask's answers through ``send``."""

    def __init__(self, app: Flask, wsgi_app: Callable, max_records: int = MAX_RECORDS):
        self.wsgi_app, self.max_records = wsgi_app, max_records
        self._holder = app.extensions["geo_service"]
        self._secret = app.secret_key
        self._records: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._records)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        key = request_key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        record = self._records.get(key)
        if record is not None and record.confirmed and record.snapshot() is self._holder.snapshot():
            answer = self._replay(record, environ, start_response)
            if answer is not None:
                return answer
        return self.wsgi_app(environ, self._recorder(key, environ, start_response))

    def _replay(self, record: Record, environ: dict, start_response: Callable) -> Iterable[bytes] | None:
        started = time.perf_counter()
        size, answer = 0, ()
        if record.body is not None:
            body = record.body()
            if body is None:  # evicted from its cache
                return None
            data, name = body.encoded(record.gzipped)
            answer = spilled(environ, data, name) or [data]
            size = len(data)
        request_id = request_log.request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        headers = list(record.headers)
        headers[record.request_id_at] = ("X-Request-ID", request_id)
        start_response(record.status, headers)
        path = "/" + environ.get("PATH_INFO", "").encode("latin1").decode(errors="replace").lstrip("/")
        status = int(record.status[:3])
        request_log.log_request(
            request_id, "GET", path, status, started, size, environ.get("REMOTE_ADDR"), self._secret
        )
        return answer

    def _recorder(self, key: tuple, environ: dict, start_response: Callable) -> Callable:
        def recording(status: str, headers: list, exc_info=None):
            sent = environ.get(SENT)
            if sent is not None and exc_info is None:
                self._record(key, sent, status, headers)
            return start_response(status, headers, exc_info)

        return recording

    def _record(self, key: tuple, sent: tuple, status: str, headers: list) -> None:
        snapshot, body, gzipped, code = sent
        if int(status[:3]) != code or code not in (200, 304):
            return
        names = [name.lower() for name, _ in headers]
        if "set-cookie" in names or names.count("x-request-id") != 1:
            return
        lengths = [value for name, value in headers if name.lower() == "content-length"]
        if code == 200 and lengths != [str(len(body.encoded(gzipped)[0]))]:
            return  # not the body send() prepared
        vary = {v.strip().lower() for name, value in headers if name.lower() == "vary" for v in value.split(",")}
        if not vary <= _KEYED_NAMES:
            return
        at = names.index("x-request-id")
        headers = [*headers[:at], ("X-Request-ID", ""), *headers[at + 1 :]]
        body_ref = weakref.ref(body) if code == 200 else None
        record = Record(weakref.ref(snapshot), status, tuple(headers), at, body_ref, gzipped)
        with self._lock:
            seen = self._records.get(key)
            if seen is not None and seen.alike(record):
                record = replace(record, confirmed=True)
            self._records[key] = record
            self._records.move_to_end(key)
            while len(self._records) > self.max_records:
                self._records.popitem(last=False)


def install(app: Flask) -> FastPath:
    """Put the layer around ``app.wsgi_app`` (inside any proxy fix, which must see requests first)."""
    layer = FastPath(app, app.wsgi_app)
    app.wsgi_app = layer
    return layer
