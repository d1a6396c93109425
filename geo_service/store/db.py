"""Database engine: SQLite in the instance folder by default (WAL, full sync), PostgreSQL when
``GEO_SERVICE_DATABASE_URL`` says so; the schema is brought to the latest Alembic revision.

Reads never wait on writers. On SQLite a write transaction starts with ``BEGIN IMMEDIATE`` (so
concurrent writers queue instead of failing on a lock upgrade) and waits at most
``WRITE_WAIT_MS`` for the write lock; a read (sessions of :func:`reader`: the revision poll,
the records, the queue, ``/healthz``) starts a deferred ``BEGIN``, which in WAL mode reads the
last committed state while another connection writes, and gives up after ``READ_WAIT_MS``.
On PostgreSQL every connection gets a connect timeout and server-side ``statement_timeout``,
``lock_timeout`` and ``idle_in_transaction_session_timeout``; a server that hangs altogether is
caught by ``/healthz``'s own deadline (geo_service/web/health.py) and never holds up a page,
since requests read the in-memory snapshot (geo_service/state.py).

A database that cannot be opened at start (damaged file, lock held by another process, server
down) raises :class:`DatabaseUnavailable`: one sentence naming the database and the fix.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from ..errors import GeoServiceError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_NAME = "nominations.sqlite3"
READ_WAIT_MS = 1000  # SQLite: longest wait of a read for a lock (WAL reads rarely need one)
WRITE_WAIT_MS = 5000  # SQLite: longest wait of a write for the write lock
PG_CONNECT_TIMEOUT_S = 3
PG_STATEMENT_TIMEOUT_MS = 5000
PG_LOCK_TIMEOUT_MS = 3000
PG_IDLE_IN_TRANSACTION_MS = 60_000
POOL_WAIT_S = 5  # longest wait for a free pooled connection
READ_ONLY = "geo_service_read_only"  # execution option set by reader()


class DatabaseUnavailable(GeoServiceError, RuntimeError):
    """The nominations database cannot be used (damaged, locked, unreachable). A RuntimeError
    too, so gunicorn prints its message as one line instead of a traceback."""

    status = 503
    code = "DatabaseUnavailable"


def database_url(settings, instance_path: str | Path | None = None) -> str:
    if settings.database_url:
        return settings.database_url
    folder = Path(settings.instance_dir or instance_path or Path.cwd() / "instance")
    folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    return f"sqlite:///{folder / SQLITE_NAME}"


def describe(url) -> str:
    """The database as a person would name it: the SQLite file, or the URL without password."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}"
    return f"PostgreSQL database {url.render_as_string(hide_password=True)}"


def make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        options = (
            f"-c statement_timeout={PG_STATEMENT_TIMEOUT_MS} -c lock_timeout={PG_LOCK_TIMEOUT_MS} "
            f"-c idle_in_transaction_session_timeout={PG_IDLE_IN_TRANSACTION_MS}"
        )
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_timeout=POOL_WAIT_S,
            future=True,
            connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S, "options": options},
        )
    engine = create_engine(
        url, pool_timeout=POOL_WAIT_S, connect_args={"timeout": WRITE_WAIT_MS / 1000, "isolation_level": None}
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={READ_WAIT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql(f"PRAGMA busy_timeout={READ_WAIT_MS}")
            conn.exec_driver_sql("BEGIN")  # deferred: a WAL read takes no lock a writer holds
        else:
            # pysqlite's own deferred BEGIN lets two writers read, then one fails on upgrade.
            conn.exec_driver_sql(f"PRAGMA busy_timeout={WRITE_WAIT_MS}")
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def reader(engine: Engine) -> Engine:
    """The same engine (same pool) for read-only sessions: deferred transactions, short waits."""
    return engine.execution_options(**{READ_ONLY: True})


def unavailable(url, exc: BaseException) -> DatabaseUnavailable:
    """A one-sentence error naming the database, what is wrong with it and what to do."""
    name = describe(url)
    text = str(getattr(exc, "orig", None) or exc).strip()
    detail = text.splitlines()[0][:200] if text else type(exc).__name__
    lowered = detail.lower()
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        fix = (
            f"the {name} is damaged ({detail}); restore it from a backup, or move it aside to start "
            "with an empty nominations database"
        )
    elif "locked" in lowered or "busy" in lowered:
        fix = (
            f"the {name} is locked by another process ({detail}, after waiting {WRITE_WAIT_MS / 1000:g} s); "
            "stop the process that holds it (an open sqlite3 shell, a stuck command) and start again"
        )
    elif "unable to open" in lowered or "readonly" in lowered or "read-only" in lowered:
        fix = (
            f"the {name} cannot be opened for writing ({detail}); check that its folder exists and that "
            "this user may write there (GEO_SERVICE_INSTANCE_DIR)"
        )
    else:
        fix = (
            f"the {name} cannot be used ({detail}); check GEO_SERVICE_DATABASE_URL and that the "
            "database server is running"
        )
    return DatabaseUnavailable(fix[0].upper() + fix[1:], database=name)


def upgrade(engine: Engine) -> None:
    """``alembic upgrade head`` on ``engine`` (serialised across processes by env.py); a database
    that cannot be opened or locked in time raises :class:`DatabaseUnavailable`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except DBAPIError as exc:
        raise unavailable(engine.url, exc) from None
