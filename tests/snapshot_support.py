"""Apps of one test process built from the same data share what their snapshots derive.

Every app a test builds on an empty store (the session app, each module's app on its own
database) starts from a snapshot of the same version, and would render the same maps, serialise
the same layers and build the same API again: about 2 CPU-seconds per page kind and app. Here the
apps that only differ by their database or deployment settings (``secure_cookies``, proxies:
nothing a cached body depends on) share one memo per version, as one server's requests do. A
snapshot made after publishing has another version, so a test that publishes gets its own.
``fresh_app`` is left out: its tests check the builds themselves (warm-up, render bounds)."""

from __future__ import annotations

_MEMOS: dict[str, dict] = {}


def share_derived(app):
    """``app``, its current snapshot's memo replaced by the one shared by its version in this process."""
    snapshot = app.extensions["geo_service"]._snapshot  # not .snapshot(): that starts the poller
    snapshot._memo = _MEMOS.setdefault(snapshot.version, snapshot._memo)
    return app
