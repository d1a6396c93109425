"""Helpers shared by the nominations tests: one database per backend (SQLite file, or the
PostgreSQL server named by GEO_SERVICE_TEST_POSTGRES_URL), apps with the moderation blueprint,
and form round trips through a client."""

from __future__ import annotations

import contextlib
import os
import re
import uuid

import pytest
from snapshot_support import share_derived
from sqlalchemy import create_engine, text


def _database_of_this_worker(url: str | None) -> str | None:
    """Each pytest-xdist worker gets a database of its own (``<name>_gw0``, ...), created on first
    use: tests wipe the schema of the database they use, so two workers must never share one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy import make_url

    own = make_url(url).set(database=f"{make_url(url).database}_{worker}")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": own.database}):
                conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        admin.dispose()
    return own.render_as_string(hide_password=False)


PG_URL = _database_of_this_worker(os.environ.get("GEO_SERVICE_TEST_POSTGRES_URL"))
BACKENDS = ["sqlite", "postgresql"]
CONTACT_EMAIL = "private.submitter@example.org"
CONTACT_PHONE = "+32 470 99 88 77"


def fresh_database_url(backend: str, tmp_path) -> str:
    """An empty database: a new SQLite file, or the PostgreSQL test database with its schema wiped."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'nominations.sqlite3'}"
    if not PG_URL:
        pytest.skip("GEO_SERVICE_TEST_POSTGRES_URL is not set (scripts/test.sh sets it after starting PostgreSQL)")
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return PG_URL


def make_app(settings, url: str, tmp_path):
    from dataclasses import replace

    from geo_service.app import create_app
    from geo_service.web import nominate

    app = create_app(replace(settings, database_url=url, instance_dir=tmp_path))
    if "moderation" not in app.blueprints:  # until app.py registers it
        app.register_blueprint(nominate.moderation)
    app.config["TESTING"] = True
    return share_derived(app)


def backend_app_fixture(name: str, backends=BACKENDS, **limits):
    """A module's ``app`` fixture: an app on a fresh database of each backend in ``backends``, with
    the store's rate limits replaced by ``limits`` (e.g. ``login=RateLimit(...)``)."""
    from geo_service.store import EXTENSION

    @pytest.fixture(scope="module", params=backends)
    def app(request, settings, tmp_path_factory):
        folder = tmp_path_factory.mktemp(f"{name}-{request.param}")
        application = make_app(settings, fresh_database_url(request.param, folder), folder)
        application.extensions[EXTENSION].limits.update(limits)
        yield application
        application.extensions[EXTENSION].engine.dispose()

    return app


def hidden(html: bytes | str, name: str) -> str:
    html = html.decode() if isinstance(html, bytes) else html
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def valid_form(**overrides) -> dict:
    form = {
        "name": "Repair café Nieuwkomers",
        "description": "Volunteers repair bikes with newcomers and teach Dutch on the way.",
        "place": ["Luik", "", ""],
        "address": ["", "", ""],
        "postcode": ["", "", ""],
        "themes": ["language", "social_contact"],
        "target_groups": ["newcomers"],
        "scope": "local",
        "start_year": "2019",
        "website": "https://example.org/repair",
        "volunteers": "12",
        "contact_name": "Private Person",
        "contact_email": CONTACT_EMAIL,
        "contact_phone": CONTACT_PHONE,
        "consent": "yes",
        "homepage": "",
    }
    form.update(overrides)
    return form


def submit_form(client, lang="en", **overrides):
    page = client.get(f"/nominate?lang={lang}")
    form = valid_form(
        csrf_token=hidden(page.data, "csrf_token"), submission_token=hidden(page.data, "submission_token")
    )
    form.update(overrides)
    return client.post(f"/nominate?lang={lang}", data=form)


def login(client, store, username="moderator1", password="a long enough password"):
    from geo_service.errors import GeoServiceError

    with contextlib.suppress(GeoServiceError):
        store.create_moderator(username, password)
    page = client.get("/moderation/login")
    return client.post(
        "/moderation/login",
        data={"username": username, "password": password, "csrf_token": hidden(page.data, "csrf_token")},
    )


def new_token() -> str:
    return uuid.uuid4().hex
