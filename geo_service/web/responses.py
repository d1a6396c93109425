"""The one way a response leaves the app: the JSON-or-HTML rule and the error handler (every
error, from any blueprint, is answered here).

JSON or HTML: the API's paths (:data:`API_PREFIXES`) always answer errors as JSON problems, as
OGC API clients expect; ``/`` answers JSON to clients that do not prefer HTML (it is the API's
landing page for them); elsewhere ``f=json`` or an ``Accept`` header preferring
``application/json`` over ``text/html`` asks for JSON, anything else gets the HTML error page.
"""

from __future__ import annotations

import orjson
from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import GeoServiceError

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
    if is_api_path(request.path) or asked == "json":
        return True
    if asked == "html":
        return False
    if request.path == "/":
        return not prefers_html()
    return request.accept_mimetypes.best_match([HTML, JSON]) == JSON


def problem(status: int, code: str, message: str, details: dict | None = None, headers=()) -> Response:
    """An error response: ``{"code", "description", "details"}`` as JSON, or the error page;
    ``details['parameter']`` names the query parameter at fault when there is one."""
    if wants_json():
        body = {"code": code, "description": message}
        if details:
            body["details"] = details
        response = Response(orjson.dumps(body), status=status, content_type=JSON)
    else:
        html = render_template("error.html", status=status, code=code, message=message, details=details or {})
        response = Response(html, status=status, mimetype=HTML)
    response.headers.extend(headers)
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(GeoServiceError)
    def _core_error(exc: GeoServiceError):
        return problem(exc.status, exc.code, exc.message, exc.details or None)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        # keep what the exception says about itself (405: Allow; 401: WWW-Authenticate), not its body
        kept = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return problem(exc.code or 500, exc.name.replace(" ", ""), exc.description or exc.name, headers=kept)
