"""The one way a response leaves the app: one body cache, one ETag rule, one 304/gzip/sendfile
path (pages, maps, downloads and the API), the JSON-or-HTML rule and the error handler (every
error, from any blueprint, is answered here).

Bodies are built once per snapshot: through ``snapshot.derived`` for finite sets of responses,
through a bounded :class:`ResponseCache` (kept by ``snapshot.derived``) for families with
unbounded keys. The ETag is the data version plus the sha256 of the bytes sent, so it changes
with the data and with anything else that changes the bytes (templates, code).

JSON or HTML: ``f=json`` / ``f=html`` decide where given (an API page viewed as HTML errs in HTML,
in the page's language); otherwise the API's paths (:data:`API_PREFIXES`) answer errors as JSON
problems, as OGC API clients expect; ``/`` answers JSON to clients that do not prefer HTML (it is the API's
landing page for them); elsewhere ``f=json`` or an ``Accept`` header preferring
``application/json`` over ``text/html`` asks for JSON, anything else gets the HTML error page.

An error never amplifies what was sent: it echoes at most a short excerpt of it (:func:`excerpt`:
each text cut to :data:`ECHO_CHARS`, lists to :data:`ECHO_ITEMS`), escaped (JSON by orjson, HTML
by Jinja), and the error page's links repeat the query only when it is short (:class:`_Echoed`).
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import os
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson
from flask import Flask, Response, redirect, render_template, request, url_for
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.wrappers import Response as BaseResponse
from werkzeug.wsgi import wrap_file

from ..errors import GeoServiceError
from .context import current_snapshot
from .security import allow_scripts, inline_script_hashes, render_cacheable, serves

API_PREFIXES = ("/ogc", "/conformance", "/api", "/collections", "/downloads")
JSON = "application/json"
HTML = "text/html"


def is_api_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)


def prefers_html() -> bool:
    """``Accept`` ranks text/html above application/json (a browser; not ``*/*`` nor no header)."""
    accept = request.accept_mimetypes
    return accept[HTML] > accept[JSON]


def wants_json() -> bool:
    """The one JSON-or-HTML rule for errors (see the module's docstring)."""
    asked = request.args.get("f")
    if asked in ("json", "html"):  # asked for by name: an API page viewed as HTML errs in HTML too
        return asked == "json"
    if is_api_path(request.path):
        return True
    if request.path == "/":
        return not prefers_html()
    return request.accept_mimetypes.best_match([HTML, JSON]) == JSON


ECHO_CHARS = 300  # of any text an error shows (message, each detail): at most this many characters
MESSAGE_CHARS = 500  # the message itself may name the few allowed values, so it may be a little longer
ECHO_ITEMS = 10  # of any list of details (e.g. one error per change of a scenario): at most this many
ECHO_QUERY = 300  # the error page's language links keep the query only up to this many bytes


def excerpt(value, limit: int = ECHO_CHARS):
    """``value`` as an error may echo it: texts cut to ``limit`` characters, lists to
    :data:`ECHO_ITEMS` items (saying how many were left out), mappings recursed."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[: limit - 1] + "…"
    if isinstance(value, dict):
        return {excerpt(str(k), 80): excerpt(v) for k, v in list(value.items())[:ECHO_ITEMS]}
    if isinstance(value, (list, tuple)):
        kept = [excerpt(v) for v in value[:ECHO_ITEMS]]
        return kept + ([f"… and {len(value) - ECHO_ITEMS} more"] if len(value) > ECHO_ITEMS else [])
    return value


class _Echoed:
    """The request as the error page sees it: the language links (base.html) repeat its query
    three times, so a long query (beyond :data:`ECHO_QUERY` bytes) is left out of them but ``lang``."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    @property
    def args(self):
        if len(self._real.query_string) <= ECHO_QUERY:
            return self._real.args
        return ImmutableMultiDict([(k, v) for k, v in self._real.args.items(multi=True) if k == "lang"])


def problem(status: int, code: str, message: str, details: dict | None = None, headers=()) -> Response:
    """An error response: ``{"code", "description", "details"}`` as JSON, or the error page;
    ``details['parameter']`` names the query parameter at fault when there is one. Message and
    details are echoed as excerpts (see the module's docstring)."""
    message, details = excerpt(message, MESSAGE_CHARS), excerpt(details or {})
    if wants_json():
        body = {"code": code, "description": message}
        if details:
            body["details"] = details
        response = Response(orjson.dumps(body), status=status, content_type=JSON)
    else:
        # werkzeug's own wording of a status ("The requested URL was not found on the server...")
        # says no more than the page's translated explanation: only a specific message is shown
        generic = status in default_exceptions and message == default_exceptions[status].description
        html = render_template(
            "error.html",
            status=status,
            code=code,
            message=None if generic else message,
            details=details,
            request=_Echoed(request._get_current_object()),
        )
        response = Response(html, status=status, mimetype=HTML)
    response.headers.extend(headers)
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(GeoServiceError)
    def _core_error(exc: GeoServiceError):
        retry = exc.details.get("retry_after")
        headers = [("Retry-After", str(retry))] if retry is not None else []
        return problem(exc.status, exc.code, exc.message, exc.details or None, headers=headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        # keep what the exception says about itself (405: Allow; 401: WWW-Authenticate), not its body
        kept = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return problem(exc.code or 500, exc.name.replace(" ", ""), exc.description or exc.name, headers=kept)


# --- the one response path: body cache, ETag, 304, gzip, sendfile ---------------------------------

GZIP_MIN_BYTES = 1024
SPILL_MIN_BYTES = 256 * 1024  # bodies at least this large are sent from a file (sendfile)
CACHE_BYTES = 256 * 1024 * 1024  # bound on the bodies one bounded cache keeps in memory
SPILL_BYTES = 1024 * 1024 * 1024  # bound on the spilled files of this process


@dataclass(frozen=True)
class Body:
    """A finished response body: raw and gzip bytes, its media type, the sha256 of the raw bytes
    and, for cached HTML, the CSP hashes of its inline scripts. Plain data (picklable)."""

    raw: bytes
    gzipped: bytes | None
    media_type: str
    digest: str
    script_hashes: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.raw) + len(self.gzipped or b"")

    def encoded(self, gzipped: bool) -> tuple[bytes, str]:
        """The bytes sent, raw or gzipped, and the name their spilled file goes under."""
        return (self.gzipped, self.digest + ".gz") if gzipped else (self.raw, self.digest)


def make_body(data: bytes | str, media_type: str, script_hashes: tuple[str, ...] = ()) -> Body:
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    packed = gzip.compress(raw, 6, mtime=0) if len(raw) >= GZIP_MIN_BYTES else None
    return Body(raw, packed, media_type, hashlib.sha256(raw).hexdigest(), tuple(script_hashes))


class ResponseCache:
    """Least-recently-used bodies bounded by count and bytes, for families of responses with
    unbounded keys (items queries, commune pages); ``get`` builds a missing body once."""

    def __init__(self, max_items: int, max_bytes: int = CACHE_BYTES):
        self.max_items, self.max_bytes = max_items, max_bytes
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def __getstate__(self) -> dict:  # picklable (handed over by the warm-up's helper process), lock aside
        return {k: v for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def get(self, key, build: Callable[[], Body]) -> Body:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        made = build()
        with self._lock:
            if key not in self._items:
                self._items[key] = made
                self.bytes += made.size
            while len(self._items) > 1 and (len(self._items) > self.max_items or self.bytes > self.max_bytes):
                self.bytes -= self._items.popitem(last=False)[1].size
            return self._items.get(key, made)


def _remove_folder(folder: str, owner: int) -> None:
    """At exit, the process that made the folder removes it; a forked worker that inherited the
    object must not (gunicorn's old workers exit while the master and new workers go on)."""
    if os.getpid() == owner:
        shutil.rmtree(folder, True)


class _Spill:
    """Large bodies as files named by their sha256 (shared by every snapshot and cache of this
    process), so the WSGI server can sendfile() them; the oldest files go beyond a byte bound.
    Each process has its own folder: after a fork the first spill makes a new one."""

    def __init__(self, max_bytes: int = SPILL_BYTES):
        self.max_bytes, self._files, self._lock, self._folder = max_bytes, OrderedDict(), threading.Lock(), None
        self._owner = None

    def _own_folder(self) -> str:
        if self._folder is None or self._owner != os.getpid() or not os.path.isdir(self._folder):
            self._folder, self._owner, self._files = (
                tempfile.mkdtemp(prefix="geo_service-responses-"),
                os.getpid(),
                OrderedDict(),
            )
            weakref.finalize(self, _remove_folder, self._folder, self._owner)
        return self._folder

    def path(self, name: str, data: bytes) -> str | None:
        with self._lock:
            folder = self._own_folder()
            path = os.path.join(folder, name)
            if name in self._files and os.path.exists(path):
                self._files.move_to_end(name)
                return path
            fd, tmp = tempfile.mkstemp(dir=folder)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # atomic: a reader sees the whole file or none
            self._files[name] = len(data)
            while sum(self._files.values()) > self.max_bytes and len(self._files) > 1:
                old, _ = self._files.popitem(last=False)
                with contextlib.suppress(OSError):  # a response still sending it keeps its descriptor
                    os.unlink(os.path.join(folder, old))
            return path


SPILL = _Spill()
SENT = "geo_service.sent"  # WSGI environ key: (snapshot, Body, gzipped, status) of what send() answered


def _snapshot():
    return current_snapshot()


def cached_body(
    key,
    media_type: str,
    build: Callable[[], bytes | str],
    family=None,
    size: int = 256,
    html_page: bool = False,
    guard=None,
) -> Body:
    """The body for ``key`` in the current snapshot, built once. Without ``family`` it is kept by
    the snapshot's memo (``snapshot.derived``: finite sets of responses, e.g. documents, maps,
    downloads); with one, in that family's bounded :class:`ResponseCache` (itself kept by the
    memo). ``html_page``: rendered with per-request nonces refused, its inline scripts' CSP
    hashes kept with it (a shared body cannot carry a nonce; see :mod:`geo_service.web.security`).
    ``guard``: a :class:`geo_service.web.throttle.RenderGuard` that bounds the builds (cache misses)."""
    snap = _snapshot()

    def made() -> Body:
        from .throttle import client_address

        client = client_address() if guard is not None else None
        if client is None:
            return build_body()
        with guard.render(client):
            return build_body()

    def build_body() -> Body:
        if html_page:
            html = render_cacheable(build)
            return make_body(html, media_type, inline_script_hashes(html))
        return make_body(build(), media_type)

    if family is None:
        return snap.derived(("response", key), made)
    return snap.derived(family, lambda: ResponseCache(size)).get(key, made)


@functools.lru_cache(maxsize=8)
def http_date(moment) -> str:
    """``moment`` (a snapshot's build time, UTC) as an HTTP date, once per snapshot."""
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


def etag_of(body: Body, version: str) -> str:
    """The one ETag rule: the data version and the body's content (so a change of template or
    code that changes the bytes changes the ETag, and new data always do)."""
    return f'"{version[:12]}-{body.digest[:20]}"'


def send(body: Body, cache_control: str, vary: str, headers=(), status: int = 200) -> Response:
    """The response for ``body``: 304 when ``If-None-Match`` holds its ETag, gzip when accepted,
    sendfile for a large body (the file wrapped as a static file server does: the WSGI server
    sends it with sendfile()); one ``Content-Type`` exactly as the body's media type. The headers
    are given once, as a list: this path serves every cached response, so it stays short. The
    request is marked (:data:`SENT`) so that ``web/fastpath.py`` may answer the same request
    again below Flask."""
    snap = _snapshot()
    allow_scripts(body.script_hashes)
    serves(body.media_type)
    etag = etag_of(body, snap.version)
    common = [
        ("ETag", etag),
        ("Cache-Control", cache_control),
        ("Vary", vary),
        ("Last-Modified", http_date(snap.built_at)),
        ("X-Data-Version", snap.version),  # with Last-Modified (the data's date): every download says what it holds
        *headers,
    ]
    if request.if_none_match.contains_weak(etag.strip('"')):  # werkzeug parses the header
        request.environ[SENT] = (snap, body, False, 304)
        return Response(status=304, headers=common)
    gzipped = body.gzipped is not None and bool(request.accept_encodings["gzip"])
    data, name = body.encoded(gzipped)
    if gzipped:
        common.append(("Content-Encoding", "gzip"))
    common.append(("Content-Type", body.media_type))
    request.environ[SENT] = (snap, body, gzipped, status)  # web/fastpath.py may replay it
    wrapped = spilled(request.environ, data, name)
    if wrapped is not None:
        common.append(("Content-Length", str(len(data))))
        return Response(wrapped, status=status, headers=common, direct_passthrough=True)
    return Response(data, status=status, headers=common)


def spilled(environ, data: bytes, name: str):
    """A large body as its spilled file, wrapped for the WSGI server (which sends it with
    sendfile()); None for a small body or a file removed meanwhile (the bytes are still in hand)."""
    path = SPILL.path(name, data) if len(data) >= SPILL_MIN_BYTES else None
    if path is None:
        return None
    try:
        handle = open(path, "rb")  # noqa: SIM115 (the WSGI server closes it after sending)
    except FileNotFoundError:
        return None
    return wrap_file(environ, handle)


# --- cached pages ------------------------------------------------------------------------------

PAGE_MEDIA_TYPE = "text/html; charset=utf-8"
PAGE_VARY = "Accept, Accept-Encoding, Accept-Language, Cookie"


def current_language() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en")


def canonical(allowed: Iterable[str]):
    """Redirect to the same URL without unknown or empty parameters and with a valid ``lang``;
    returns None when the URL is already canonical. Keeps cache keys few and meaningful."""
    from ..names import LANGUAGES

    allowed = set(allowed) | {"lang"}
    kept = {k: v for k, v in request.args.items() if k in allowed and v.strip()}
    if kept.get("lang") not in (None, *LANGUAGES):
        kept.pop("lang")
    if kept != request.args.to_dict() or len(request.args.getlist("lang")) > 1:
        return redirect(url_for(request.endpoint, **(request.view_args or {}), **kept), code=302)
    return None


def cached_page(kind: str, build: Callable[[], str], size: int = 32) -> Response:
    """Serve the page of this URL and language from the snapshot's cache of ``kind`` pages; a map
    page that is not cached yet is built under the map render bounds (``web.throttle.MAPS``)."""
    from .throttle import MAPS

    key = (
        request.endpoint,
        tuple(sorted((request.view_args or {}).items())),
        current_language(),
        tuple(sorted((k, v) for k, v in request.args.items() if k != "lang")),
    )  # language: just above
    body = cached_body(
        key,
        PAGE_MEDIA_TYPE,
        build,
        family=("pages.cache", kind),
        size=size,
        html_page=True,
        guard=MAPS if kind.startswith("map.") else None,
    )
    return send(body, "no-cache", PAGE_VARY)


def cached_view(kind: str, params: Iterable[str] = (), size: int = 32):
    """Decorate a view whose page is rendered once per snapshot, language and canonical URL: the
    view returns the function that renders the HTML (or a response of its own, e.g. a redirect);
    a URL with unknown parameters is first redirected to its canonical form."""

    def wrap(view: Callable):
        @functools.wraps(view)
        def handler(**kwargs):
            redirect_to = canonical(params)
            if redirect_to:
                return redirect_to
            built = view(**kwargs)
            return built if isinstance(built, BaseResponse) else cached_page(kind, built, size)

        handler.page_cache = (kind, size)  # the warm-up must fit (tests/test_app_basics.py)
        return handler

    return wrap
