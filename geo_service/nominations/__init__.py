"""Nominations: a public form, moderation and durable storage (SQLite or PostgreSQL).

``init_nominations`` opens (and migrates) the database and returns the store, which the state
holder polls through ``revision()`` and reads through ``records()`` (approved nominations as
catalogue initiative records). See docs/nominations.md.
"""

from __future__ import annotations

from .db import database_url
from .store import NominationStore

EXTENSION = "geo_service.nominations"


def init_nominations(app, settings) -> NominationStore:
    """Open the database for ``app``; session cookies get HttpOnly, SameSite=Lax and (when
    ``settings.secure_cookies``) Secure, since moderator logins ride on them."""
    store = NominationStore(database_url(settings, app.instance_path))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.secure_cookies),
        WTF_CSRF_TIME_LIMIT=4 * 3600,  # a long form may take a while to fill in
    )
    app.extensions[EXTENSION] = store
    return store


__all__ = ["NominationStore", "init_nominations", "database_url", "EXTENSION"]
