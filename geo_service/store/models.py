"""Tables of the nominations database. Nothing is ever deleted: a nomination changes status,
every change is an :class:`AuditEvent`, and the submitter's contact lives in its own column that
no publishing or export code reads."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Nomination(Base):
    __tablename__ = "nominations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Client-generated token hidden in the form: a resubmission returns the same nomination.
    submission_token: Mapped[str] = mapped_column(String(64), unique=True)
    # form (the public form) | import (a row of an imported list) | harvest (a site change of a register
    # harvest batch) | correction (a public report of a wrong, closed or missing site)
    origin: Mapped[str] = mapped_column(String(16), default="form")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    data: Mapped[dict] = mapped_column(JSON)  # public fields only
    contact: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # private, never published
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The catalogue import this record came with (origin "import"); None for a form nomination.
    import_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_imports.id"), nullable=True, index=True)

    @property
    def reference(self) -> str:
        """N-000012 for a nomination (and an imported or harvested row), C-000012 for a correction."""
        return f"{'C' if self.origin == 'correction' else 'N'}-{self.id:06d}"


class Moderator(Base):
    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Part of every session cookie; bumped at logout and password change, which ends every
    # session opened before (a copied cookie included).
    session_version: Mapped[int] = mapped_column(Integer, default=1)


class CatalogueImport(Base):
    """One batch of catalogue changes: an imported list (command line or moderation page; its
    records are rows with origin "import") or a register harvest (``source`` kbo | osm, the
    ``network`` and register ``snapshot`` date it read; its site changes are rows with origin
    "harvest"). Who, when, which file, how many; a reverted batch keeps its rows (status
    "reverted") and says who reverted it and when."""

    __tablename__ = "catalogue_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    via: Mapped[str] = mapped_column(String(16))  # command | moderation | instance-folder
    filename: Mapped[str] = mapped_column(String(255))
    digest: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of the file's bytes
    records: Mapped[int] = mapped_column(Integer)
    sites: Mapped[int] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(16), nullable=True)  # None: a file import
    network: Mapped[str | None] = mapped_column(String(80), nullable=True)
    snapshot: Mapped[str | None] = mapped_column(String(10), nullable=True)  # ISO date of the register extract
    details: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # counts per action, rejected rows, ...
    reverted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reverted_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    @property
    def reference(self) -> str:
        return f"{'H' if self.source else 'I'}-{self.id:06d}"


class AuditEvent(Base):
    """Who did what, when. ``publishes`` marks events that change the published records, so the
    revision the state holder polls moves only when the maps must be rebuilt."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    nomination_id: Mapped[int | None] = mapped_column(ForeignKey("nominations.id"), nullable=True, index=True)
    details: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    publishes: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class RateHit(Base):
    """One counted request per client and bucket; shared by every worker process."""

    __tablename__ = "rate_hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(32))
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
