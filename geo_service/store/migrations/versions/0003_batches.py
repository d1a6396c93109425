"""Batches of every kind in ``catalogue_imports`` (an imported list, a register harvest): the
outside source, the network and the snapshot a harvest read, and its revert.

Revision ID: 0003_batches
Revises: 0002_imports_sessions
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_batches"
down_revision = "0002_imports_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalogue_imports") as batch:
        batch.add_column(sa.Column("source", sa.String(16), nullable=True))
        batch.add_column(sa.Column("network", sa.String(80), nullable=True))
        batch.add_column(sa.Column("snapshot", sa.String(10), nullable=True))
        batch.add_column(sa.Column("details", sa.JSON, nullable=True))
        batch.add_column(sa.Column("reverted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reverted_by", sa.String(80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalogue_imports") as batch:
        for column in ("reverted_by", "reverted_at", "details", "snapshot", "network", "source"):
            batch.drop_column(column)
