"""Every setting the service reads, from ``GEO_SERVICE_*`` environment variables, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROJECT_DATA = PROJECT_ROOT / "data"


def _env_path(name: str, default: Path | None) -> Path | None:
    value = os.environ.get(name)
    if value:
        return Path(value).expanduser().resolve()
    return default


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _default_cache() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "geo_service"


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; build with :meth:`from_env`."""

    data_dir: Path | None = None
    cache_dir: Path = field(default_factory=_default_cache)
    offline: bool = False
    database_url: str | None = None
    secret_key: str | None = None
    instance_dir: Path | None = None
    default_language: str = "en"
    secure_cookies: bool = False
    max_content_length: int = 2 * 1024 * 1024
    seeds_dir: Path | None = None
    log_level: str = "INFO"
    json_logs: bool = False
    server_bind: str = "127.0.0.1:8000"
    server_workers: int = 2
    server_threads: int = 4
    server_timeout: int = 60
    warm_up: bool = True
    proxy_hops: int = 0

    @property
    def instance_path(self) -> Path:
        """Writable folder for the SQLite database and imported lists."""
        return self.instance_dir or PROJECT_ROOT / "instance"

    @property
    def seeds(self) -> Path | None:
        """The source documents quoted by the catalogue: GEO_SERVICE_SEEDS_DIR, else <data_dir>/../seeds."""
        if self.seeds_dir is not None:
            return self.seeds_dir
        if self.data_dir is not None and (self.data_dir.parent / "seeds").is_dir():
            return self.data_dir.parent / "seeds"
        return None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            data_dir=_env_path("GEO_SERVICE_DATA_DIR", None),
            cache_dir=_env_path("GEO_SERVICE_CACHE_DIR", _default_cache()),
            offline=_env_bool("GEO_SERVICE_OFFLINE", False),
            database_url=os.environ.get("GEO_SERVICE_DATABASE_URL") or None,
            secret_key=os.environ.get("GEO_SERVICE_SECRET_KEY") or None,
            instance_dir=_env_path("GEO_SERVICE_INSTANCE_DIR", None),
            default_language=os.environ.get("GEO_SERVICE_DEFAULT_LANGUAGE", "en"),
            secure_cookies=_env_bool("GEO_SERVICE_SECURE_COOKIES", False),
            max_content_length=int(os.environ.get("GEO_SERVICE_MAX_CONTENT_LENGTH", 2 * 1024 * 1024)),
            seeds_dir=_env_path("GEO_SERVICE_SEEDS_DIR", None),
            log_level=os.environ.get("GEO_SERVICE_LOG_LEVEL", "INFO").upper(),
            json_logs=_env_bool("GEO_SERVICE_JSON_LOGS", False),
            server_bind=os.environ.get("GEO_SERVICE_BIND", "127.0.0.1:8000"),
            server_workers=int(os.environ.get("GEO_SERVICE_WORKERS", 2)),
            server_threads=int(os.environ.get("GEO_SERVICE_THREADS", 4)),
            server_timeout=int(os.environ.get("GEO_SERVICE_TIMEOUT", 60)),
            warm_up=_env_bool("GEO_SERVICE_WARM_UP", True),
            proxy_hops=int(os.environ.get("GEO_SERVICE_PROXY_HOPS", 0)),
        )
