"""Security headers on every response (pages, JSON, static files, errors, 304): a page's full set, a short one on data.

The Content-Security-Policy lets scripts run only from the app itself or, inline, when the
browser can tell they are ours. Two ways, because pages are of two sorts:

* pages rendered per request (forms, moderation, search) mark an inline script with
  ``nonce="{{ csp_nonce() }}"``, a fresh random value per response;
* pages rendered once and cached for many requests (maps, commune and initiative pages: folium
  writes their map code inline) cannot carry a per-request nonce, so they are rendered through
  :func:`render_cacheable`, which refuses nonces; the cache keeps the sha256 of each inline
  script (:func:`inline_script_hashes`) with the bytes and :func:`allow_scripts` puts them in
  the header of every response that serves them.

Base-map tiles may come from OpenStreetMap; everything else must come from the app. Styles
allow 'unsafe-inline' (folium and the nomination pages write ``<style>`` blocks, legend swatches
use ``style`` attributes). No framing at all (clickjacking). See docs/security.md.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import mimetypes
import re
import secrets
from collections.abc import Callable, Iterable

from flask import Flask, g, request

TILE_HOSTS = "https://tile.openstreetmap.org https://*.tile.openstreetmap.org"
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)(?:\s[^>]*)?>(.*?)</script\s*>", re.S | re.I)


def csp_nonce() -> str:
    """This response's script nonce (Jinja global); never inside a cached page."""
    if getattr(g, "csp_cacheable", False):
        raise RuntimeError("a cached page is shared by many responses: it cannot carry a per-request nonce")
    nonce = getattr(g, "csp_nonce", None)
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def inline_script_hashes(html: str) -> tuple[str, ...]:
    """CSP sources ('sha256-…') of the inline scripts of ``html``, as the browser hashes them
    (the element's text after the HTML parser turned CR LF and CR into LF)."""
    hashes = []
    for body in _INLINE_SCRIPT.findall(html):
        text = body.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
        hashes.append(f"'sha256-{base64.b64encode(hashlib.sha256(text).digest()).decode()}'")
    return tuple(dict.fromkeys(hashes))


def render_cacheable(build: Callable[[], str]) -> str:
    """Run ``build`` for a page that will be cached, with :func:`csp_nonce` refusing to serve."""
    g.csp_cacheable = True
    try:
        return build()
    finally:
        g.csp_cacheable = False


def allow_scripts(hashes: Iterable[str]) -> None:
    """Let this response's CSP admit the inline scripts with these hashes."""
    g.csp_script_hashes = (*getattr(g, "csp_script_hashes", ()), *hashes)


def serves(media_type: str) -> None:
    """The media type of the resource this request is answered with, even by a 304 (which has
    none of its own): its headers refresh those a browser stored with that resource."""
    g.csp_media_type = media_type


def _media_type(response) -> str | None:
    """What the response stands for: its own type, or for a 304 the resource's, as the view
    declared it (:func:`serves`) or as a static file's name tells it (None: not known)."""
    if response.status_code != 304:
        return response.mimetype or None
    declared = getattr(g, "csp_media_type", None)
    return declared.split(";")[0].strip() if declared else mimetypes.guess_type(request.path)[0]


def content_security_policy(nonce: str | None = None, hashes: Iterable[str] = ()) -> str:
    scripts = " ".join(["'self'", *([f"'nonce-{nonce}'"] if nonce else []), *hashes])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob: {TILE_HOSTS}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


@functools.lru_cache(maxsize=256)
def _shared_policy(hashes: tuple[str, ...]) -> str:
    """The policy of a response without a nonce (most are: cached pages, JSON), built once per set of hashes."""
    return content_security_policy(None, hashes)


HSTS = "max-age=31536000; includeSubDomains"


# Everything that is not a page (JSON, GeoJSON, CSV, GeoPackage, scripts, styles, images) runs
# nothing and loads nothing when a browser opens it: its policy denies everything and forbids
# framing (which makes X-Frame-Options redundant: CSP frame-ancestors obsoletes it), and the
# headers that steer only what a page does (its referrer, its opener, browser features) are left
# out. Each data response is 0.4 KB smaller for it (docs/security.md).
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def _fixed_headers(hsts: bool, page: bool = True) -> tuple[tuple[str, str], ...]:
    """The security headers that are the same on every page (``page``) or on every other
    response, in the order they are sent."""
    transport = (("Strict-Transport-Security", HSTS),) if hsts else ()
    if not page:
        return (("X-Content-Type-Options", "nosniff"), *transport)
    return (
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        *transport,
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "geolocation=(), camera=(), microphone=()"),
    )


def init_security_headers(app: Flask, hsts: bool = False) -> None:
    """``hsts``: the site is served over HTTPS only (GEO_SERVICE_SECURE_COOKIES), so browsers
    are told to refuse plain HTTP for a year. A header a view set itself is kept; the others are
    added in one step (each ``setdefault`` would scan every header)."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    fixed = {True: _fixed_headers(hsts), False: _fixed_headers(hsts, page=False)}

    @app.after_request
    def _headers(response):
        headers = response.headers
        present = {name.lower() for name, _ in headers}
        # a response whose resource type is unknown gets a page's headers, the safe side
        media_type = _media_type(response)
        page = media_type is None or media_type in PAGE_TYPES
        added = []
        if "content-security-policy" not in present:
            if not page:
                policy = DATA_POLICY
            else:
                # The nonce is listed only when a template used one: a page without inline
                # scripts gets the strictest policy, script-src 'self'.
                nonce, hashes = getattr(g, "csp_nonce", None), tuple(getattr(g, "csp_script_hashes", ()))
                policy = content_security_policy(nonce, hashes) if nonce else _shared_policy(hashes)
            added.append(("Content-Security-Policy", policy))
        added += [(name, value) for name, value in fixed[page] if name.lower() not in present]
        headers.extend(added)
        return response
