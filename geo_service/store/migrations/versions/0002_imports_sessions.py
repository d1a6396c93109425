"""Catalogue imports kept in the database (one store for every server), the import each imported
record came with, and a per-moderator session version (logout ends every session).

Revision ID: 0002_imports_sessions
Revises: 0001_initial
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_imports_sessions"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False, index=True),
        sa.Column("records", sa.Integer, nullable=False),
        sa.Column("sites", sa.Integer, nullable=False),
    )
    op.add_column("nominations", sa.Column("import_id", sa.Integer, nullable=True))
    if op.get_bind().dialect.name != "sqlite":  # SQLite cannot add a constraint without copying the table
        op.create_foreign_key("fk_nominations_import_id", "nominations", "catalogue_imports", ["import_id"], ["id"])
    op.create_index("ix_nominations_import_id", "nominations", ["import_id"])
    op.add_column("moderators", sa.Column("session_version", sa.Integer, nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("moderators") as batch:
        batch.drop_column("session_version")
    op.drop_index("ix_nominations_import_id", "nominations")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_nominations_import_id", "nominations", type_="foreignkey")
    with op.batch_alter_table("nominations") as batch:
        batch.drop_column("import_id")
    op.drop_table("catalogue_imports")
