"""Alembic environment: runs on the connection handed over by ``db.upgrade`` (online only).
On PostgreSQL an advisory lock serialises workers that start together; on SQLite the
connection's BEGIN IMMEDIATE does the same."""

from alembic import context
from sqlalchemy import text

from geo_service.store.models import Base

MIGRATION_LOCK = 720_507  # arbitrary advisory-lock key of this schema

connection = context.config.attributes["connection"]
if connection.dialect.name == "postgresql":
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
context.configure(
    connection=connection, target_metadata=Base.metadata, render_as_batch=connection.dialect.name == "sqlite"
)
with context.begin_transaction():
    context.run_migrations()
