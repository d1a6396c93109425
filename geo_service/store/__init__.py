"""The one store of dated catalogue changes (SQLite or PostgreSQL): nominations and their
moderation, imported lists, and the audit trail; every change carries its source and date.

``init_store`` opens (and migrates) the database and returns the store, which the state
holder polls through ``revision()`` and reads through ``records()`` (approved nominations and
imports as catalogue initiative records). See docs/nominations.md.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import yaml

from .changes import SESSION_LIFETIME, CatalogueStore
from .db import database_url

EXTENSION = "geo_service.store"
log = logging.getLogger(__name__)


def init_store(app, settings) -> CatalogueStore:
    """Open the database for ``app``; session cookies get HttpOnly, SameSite=Lax and (when
    ``settings.secure_cookies``) Secure, since moderator logins ride on them, and expire with a
    moderator's working day. Lists an older version imported as YAML into the instance folder are
    moved into the database once."""
    private_instance_folder(settings, app.instance_path)
    store = CatalogueStore(database_url(settings, app.instance_path))
    move_instance_imports(store, Path(settings.instance_dir or app.instance_path) / "imports")
    app.config.update(
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.secure_cookies),
        WTF_CSRF_TIME_LIMIT=4 * 3600,  # a long form may take a while to fill in
    )
    app.extensions[EXTENSION] = store
    return store


def private_instance_folder(settings, instance_path=None) -> None:
    """Create the instance folder (database, secret key) readable by its owner only (0700) when
    the default SQLite database is to live there; an existing folder is left as it is."""
    if settings.database_url:
        return
    folder = Path(settings.instance_dir or instance_path or Path.cwd() / "instance")
    folder.mkdir(parents=True, mode=0o700, exist_ok=True)


def move_instance_imports(store: CatalogueStore, folder: Path) -> int:
    """Store each ``<instance>/imports/*.yaml`` (validated records written by ``catalogue import``
    before imports went to the database) as an import, once per file content; the files are
    left in place and no longer read. Returns how many files were stored now."""
    moved = 0
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        data = path.read_bytes()
        try:
            records = [dict(r) for r in yaml.safe_load(data) or []]
        except (yaml.YAMLError, TypeError, ValueError) as exc:
            log.error("imported list %s cannot be read (%s); it is not in the catalogue", path, exc)
            continue
        batch = store.import_records(
            records,
            "instance folder",
            path.name,
            via="instance-folder",
            digest=hashlib.sha256(data).hexdigest(),
            once=True,
        )
        if batch is not None:
            moved += 1
            log.warning(
                "imported list %s moved into the nominations database as import %s (%d records); "
                "the file is no longer read",
                path.name,
                batch.reference,
                batch.records,
            )
    return moved


__all__ = [
    "CatalogueStore",
    "init_store",
    "database_url",
    "move_instance_imports",
    "private_instance_folder",
    "EXTENSION",
]
