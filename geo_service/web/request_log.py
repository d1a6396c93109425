"""Request ids and JSON-lines logging, so logs from several workers can be joined and searched."""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request

from ..store.changes import client_key

ACCESS_LOGGER = "geo_service.access"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_access = logging.getLogger(ACCESS_LOGGER)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra`` fields."""

    RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update({k: v for k, v in vars(record).items() if k not in self.RESERVED})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def configure_json_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("geo_service")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def request_id(incoming: str) -> str:
    """The client's ``X-Request-ID`` when it looks like one, else a new one."""
    return incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


@functools.lru_cache(maxsize=1024)
def _client(address: str | None, secret: str | bytes) -> str:
    """The log's key of an address, kept for the last addresses seen (an HMAC per request costs
    as much as a whole answer replayed by ``web/fastpath.py``)."""
    return client_key(address, secret)[:16]


def log_request(
    rid: str, method: str, path: str, status: int, started: float, size: int | None, address, secret
) -> None:
    """The one access-log line of a request (Flask's hook below, and ``web/fastpath.py``)."""
    _access.info(
        "request",
        extra={
            "request_id": rid,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "bytes": size,
            # a keyed hash (HMAC with the deployment secret): no address in the logs
            "client": _client(address, secret),
        },
    )


def init_request_log(app: Flask) -> None:
    @app.before_request
    def _start():
        g.request_id = request_id(request.headers.get("X-Request-ID", ""))
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        rid = getattr(g, "request_id", None)
        if rid:
            response.headers["X-Request-ID"] = rid
            # a body sent from a file (direct passthrough) is not read to be counted: its Content-Length
            size = response.content_length if response.direct_passthrough else response.calculate_content_length()
            log_request(
                rid,
                request.method,
                request.path,
                response.status_code,
                g.request_started,
                size,
                request.remote_addr,
                app.secret_key,
            )
        return response
