"""Database engine: SQLite in the instance folder by default (WAL, full sync, immediate write
transactions so concurrent workers queue instead of failing), PostgreSQL when
``GEO_SERVICE_DATABASE_URL`` says so; the schema is brought to the latest Alembic revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_NAME = "nominations.sqlite3"


def database_url(settings, instance_path: str | Path | None = None) -> str:
    if settings.database_url:
        return settings.database_url
    folder = Path(settings.instance_dir or instance_path or Path.cwd() / "instance")
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / SQLITE_NAME}"


def make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, future=True)
    engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # pysqlite's own deferred BEGIN lets two writers read, then one fails on upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def upgrade(engine: Engine) -> None:
    """``alembic upgrade head`` on ``engine`` (serialised across processes by env.py)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
