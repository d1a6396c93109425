"""Shared fixtures: settings pointing at the shared data, one app per session, a live server."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from geo_service.settings import PROJECT_ROOT, Settings

DEFAULT_DATA_DIR = (PROJECT_ROOT / ".." / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(os.environ.get("GEO_SERVICE_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    if not (path / "boundaries").is_dir():
        pytest.exit(f"GEO_SERVICE_DATA_DIR={path} does not hold the shared data (boundaries/ missing)", 2)
    return path


@pytest.fixture(scope="session")
def settings(data_dir, tmp_path_factory) -> Settings:
    cache = Path(os.environ.get("GEO_SERVICE_CACHE_DIR") or tmp_path_factory.mktemp("cache"))
    instance = tmp_path_factory.mktemp("instance")
    return Settings(data_dir=data_dir, cache_dir=cache, offline=True, instance_dir=instance, secret_key="test-secret")


@pytest.fixture(scope="session")
def base(settings):
    from geo_service.state import build_base_layers

    return build_base_layers(settings)


@pytest.fixture(scope="session")
def boundaries(base):
    return base.boundaries


@pytest.fixture(scope="session")
def app(settings):
    from geo_service.app import create_app

    application = create_app(settings)
    application.config["TESTING"] = True
    return application


@pytest.fixture()
def client(app):
    return app.test_client()


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


@pytest.fixture(scope="session")
def live_server(app):
    with LiveServer(app) as server:
        yield server
