"""The Flask application factory: loads the data once, registers the blueprints."""

from __future__ import annotations

import os
import secrets
import time

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .settings import PROJECT_ROOT, Settings
from .state import StateHolder, build_base_layers
from .web import fastpath
from .web.i18n import init_i18n
from .web.request_log import configure_json_logging, init_request_log
from .web.security import init_security_headers


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=None,  # static/ is served by web/vendor.py: content-hashed URLs, gzip, immutable
        instance_path=str(settings.instance_dir) if settings.instance_dir else None,
    )
    app.config.update(
        SECRET_KEY=settings.secret_key or _instance_secret(settings),
        MAX_CONTENT_LENGTH=settings.max_content_length,
        JSON_SORT_KEYS=False,
    )
    app.extensions["geo_service.settings"] = settings
    base = build_base_layers(settings)
    app.extensions["geo_service.base"] = base
    init_i18n(app, settings.cache_dir / "translations")

    from .store import init_store

    published = init_store(app, settings)
    app.extensions["geo_service"] = StateHolder(settings, base, published)

    from .web import api, changes, corrections, health, maps_pages, nominate, pages, plan, vendor
    from .web.responses import register_error_handlers

    init_request_log(app)  # first: its id and clock start before any hook may answer (the JSON landing at /)
    for blueprint in (vendor.bp, health.bp, pages.bp, maps_pages.bp, api.bp, nominate.bp, nominate.moderation, plan.bp):
        app.register_blueprint(blueprint)
    for blueprint in (changes.bp, corrections.bp, corrections.moderation):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    _register_template_helpers(app)
    if settings.json_logs:
        configure_json_logging(settings.log_level)
    init_security_headers(app, hsts=settings.secure_cookies)
    if settings.warm_up:  # new data are prepared before they are served (gunicorn.conf.py: by the master)
        from .web.warmup import prepare_new_snapshots

        prepare_new_snapshots(app)
    fastpath.install(app)  # answers already served by the response path, replayed below Flask
    if settings.proxy_hops:
        # Behind N trusted proxies: client address (rate limits), scheme and host (API links)
        # come from their X-Forwarded-* headers; without the setting those headers are ignored.
        n = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)
    return app


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    def current_lang() -> str:
        return str(get_locale() or "en")

    def odbl_attribution() -> bool:
        """Whether the data served hold a site from OpenStreetMap: every page then credits it (ODbL)."""
        from .harvest import shows_osm
        from .web.context import current_snapshot

        snap = current_snapshot()
        return snap.derived(("shows-osm",), lambda: shows_osm(snap.catalogue.sites))

    app.jinja_env.globals.update(current_lang=current_lang, odbl_attribution=odbl_attribution)

    @app.after_request
    def _remember_language(response):
        asked = request.args.get("lang")
        from .names import LANGUAGES

        if asked in LANGUAGES and request.cookies.get("lang") != asked:
            response.set_cookie("lang", asked, max_age=365 * 24 * 3600, samesite="Lax")
        return response


def _instance_secret(settings: Settings) -> str:
    """A signing key kept in the instance folder when GEO_SERVICE_SECRET_KEY is not set, so that
    sessions and CSRF tokens stay valid across workers and restarts."""
    path = settings.instance_path / "secret_key"
    path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it right now
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.02)
        raise
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
