"""What a request is served from: the current snapshot of the app's state holder. Blueprints
import it from here, so that ``app.py`` (which registers them) and ``web/`` never import each other."""

from __future__ import annotations

from flask import current_app

from ..state import Snapshot


def current_snapshot() -> Snapshot:
    """The snapshot to serve this request from (refreshed when published data changed); at once,
    never waiting and never reading the database."""
    return current_app.extensions["geo_service"].snapshot()
