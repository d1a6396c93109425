"""Nominations, moderators, audit trail, rate-limit hits.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "nominations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_token", sa.String(64), nullable=False, unique=True),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("contact", sa.JSON, nullable=True),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("decided_by", sa.String(80), nullable=True),
        sa.Column("decision_reason", sa.Text, nullable=True),
    )
    op.create_table(
        "moderators",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("nomination_id", sa.Integer, sa.ForeignKey("nominations.id"), nullable=True, index=True),
        sa.Column("details", sa.JSON, nullable=True),
        sa.Column("publishes", sa.Boolean, nullable=False, index=True),
    )
    op.create_table(
        "rate_hits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("bucket", sa.String(32), nullable=False),
        sa.Column("client", sa.String(64), nullable=False, index=True),
        sa.Column("at", TZ, nullable=False, index=True),
    )


def downgrade() -> None:
    for table in ("rate_hits", "audit_events", "moderators", "nominations"):
        op.drop_table(table)
