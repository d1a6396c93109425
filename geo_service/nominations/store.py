"""Nominations storage and moderation workflow, independent of Flask.

Every state change runs in one transaction together with its audit event, and is committed
before the caller answers the client, so a confirmation always means "on disk". A resubmitted
form (same submission token) returns the nomination it created the first time.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import InvalidParameter, NotFound
from . import db
from .errors import Conflict, Forbidden, NotAuthenticated, RateLimited
from .models import AuditEvent, Moderator, Nomination, RateHit, utcnow
from .publish import to_record

PASSWORD_METHOD = "scrypt"  # werkzeug.security: hashlib.scrypt with a random salt
_DUMMY_HASH = generate_password_hash("not-a-password", method=PASSWORD_METHOD)


@dataclass(frozen=True)
class RateLimit:
    count: int
    window: timedelta


SUBMIT_LIMIT = RateLimit(20, timedelta(hours=1))
LOGIN_LIMIT = RateLimit(10, timedelta(minutes=15))
PUBLIC_FIELDS = ("name", "description", "places", "themes", "target_groups", "scope", "start_year",
                 "website", "volunteers", "beneficiaries", "kind")


def client_key(address: str | None) -> str:
    """Rate-limit key of a client; the address itself is not stored."""
    return hashlib.sha256((address or "unknown").encode()).hexdigest()[:32]


class NominationStore:
    """The nominations database; also the state holder's ``PublishedSource``."""

    def __init__(self, url: str, submit_limit: RateLimit = SUBMIT_LIMIT, login_limit: RateLimit = LOGIN_LIMIT):
        self.url = url
        self.engine = db.make_engine(url)
        db.upgrade(self.engine)
        # gunicorn --preload forks after this: children must not share the parent's connections.
        os.register_at_fork(after_in_child=lambda: self.engine.dispose(close=False))
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)  # writes (IMMEDIATE on SQLite)
        self.reads = sessionmaker(db.reader(self.engine), expire_on_commit=False)  # reads never wait on writers
        self.limits = {"submit": submit_limit, "login": login_limit}

    # --- PublishedSource -------------------------------------------------------------------
    def revision(self) -> str:
        with self.reads() as s:
            last = s.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.publishes.is_(True)))
        return f"nominations:{last or 0}"

    def records(self) -> list[dict]:
        with self.reads() as s:
            rows = s.scalars(select(Nomination).where(Nomination.status == "approved").order_by(Nomination.id))
            return [to_record(n) for n in rows]

    # --- public -----------------------------------------------------------------------------
    def _rate_check(self, s: Session, bucket: str, client: str) -> None:
        limit = self.limits[bucket]
        since = utcnow() - limit.window
        used = s.scalar(select(func.count(RateHit.id)).where(
            RateHit.bucket == bucket, RateHit.client == client, RateHit.at >= since))
        if used >= limit.count:
            raise RateLimited(f"Too many requests from this address: at most {limit.count} per "
                              f"{int(limit.window.total_seconds() // 60)} minutes; please try again later.")
        s.add(RateHit(bucket=bucket, client=client))
        # hits older than every window count for nothing: drop them so the table stays small
        oldest = utcnow() - max(lim.window for lim in self.limits.values())
        s.execute(delete(RateHit).where(RateHit.at < oldest))

    def submit(self, data: dict, contact: dict, token: str, language: str, client: str) -> Nomination:
        """Store a validated nomination (pending) and return it; idempotent per ``token``."""
        existing = self.by_token(token)
        if existing is not None:
            return existing
        try:
            with self.sessions.begin() as s:
                self._rate_check(s, "submit", client)
                nomination = Nomination(submission_token=token, origin="form", status="pending", language=language,
                                        data=data, contact=contact, consent=True)
                s.add(nomination)
                s.flush()
                s.add(AuditEvent(actor="public", action="submitted", nomination_id=nomination.id,
                                 details={"language": language}, publishes=False))
            return nomination
        except IntegrityError:  # the same token committed by a concurrent request
            existing = self.by_token(token)
            if existing is None:
                raise
            return existing

    def by_token(self, token: str) -> Nomination | None:
        with self.reads() as s:
            return s.scalar(select(Nomination).where(Nomination.submission_token == token))

    # --- moderation -------------------------------------------------------------------------
    def get(self, nomination_id: int) -> Nomination:
        with self.reads() as s:
            nomination = s.get(Nomination, nomination_id)
        if nomination is None:
            raise NotFound(f"No nomination #{nomination_id}")
        return nomination

    def list(self, status: str | None = "pending") -> list[Nomination]:
        with self.reads() as s:
            query = select(Nomination).order_by(Nomination.id)
            if status:
                query = query.where(Nomination.status == status)
            return list(s.scalars(query))

    def counts(self) -> dict[str, int]:
        with self.reads() as s:
            return dict(s.execute(select(Nomination.status, func.count()).group_by(Nomination.status)).all())

    def history(self, nomination_id: int) -> list[AuditEvent]:
        with self.reads() as s:
            return list(s.scalars(select(AuditEvent).where(AuditEvent.nomination_id == nomination_id)
                                  .order_by(AuditEvent.id)))

    def reveal_contact(self, nomination_id: int, moderator: str) -> Nomination:
        """The nomination with its private contact, for a moderator; the view itself is audited."""
        nomination = self.get(nomination_id)
        with self.sessions.begin() as s:
            s.add(AuditEvent(actor=moderator, action="contact_viewed", nomination_id=nomination_id))
        return nomination

    def _decide(self, nomination_id: int, moderator: str, status: str, reason: str | None) -> Nomination:
        with self.sessions.begin() as s:
            nomination = s.get(Nomination, nomination_id, with_for_update=True)
            if nomination is None:
                raise NotFound(f"No nomination #{nomination_id}")
            if nomination.status != "pending":
                raise Conflict(f"Nomination #{nomination_id} is already {nomination.status}")
            now = utcnow()
            nomination.status, nomination.decided_at, nomination.decided_by = status, now, moderator
            nomination.decision_reason, nomination.updated_at = reason, now
            s.add(AuditEvent(actor=moderator, action=status, nomination_id=nomination_id,
                             details={"reason": reason} if reason else None, publishes=status == "approved"))
        return nomination

    def approve(self, nomination_id: int, moderator: str) -> Nomination:
        return self._decide(nomination_id, moderator, "approved", None)

    def reject(self, nomination_id: int, moderator: str, reason: str) -> Nomination:
        reason = (reason or "").strip()
        if not reason:
            raise InvalidParameter("A rejection needs a reason", errors=[{"field": "reason", "reason": "required"}])
        return self._decide(nomination_id, moderator, "rejected", reason[:2000])

    def edit(self, nomination_id: int, moderator: str, data: dict) -> Nomination:
        """Replace the public fields; the audit event keeps the old and new value of each change."""
        with self.sessions.begin() as s:
            nomination = s.get(Nomination, nomination_id, with_for_update=True)
            if nomination is None:
                raise NotFound(f"No nomination #{nomination_id}")
            if nomination.origin != "form":
                raise Conflict("Imported records are edited in their source file and imported again")
            old = dict(nomination.data)
            new = {**old, **{k: v for k, v in data.items() if k in PUBLIC_FIELDS}}
            changes = {k: {"old": old.get(k), "new": new.get(k)} for k in PUBLIC_FIELDS if old.get(k) != new.get(k)}
            if not changes:
                return nomination
            nomination.data, nomination.updated_at = new, utcnow()
            s.add(AuditEvent(actor=moderator, action="edited", nomination_id=nomination_id, details=changes,
                             publishes=nomination.status == "approved"))
        return nomination

    def import_records(self, records: list[dict], moderator: str, filename: str) -> list[Nomination]:
        """Store validated catalogue records as approved imports, all in one transaction."""
        batch = hashlib.sha256(repr(records).encode()).hexdigest()[:16]
        created = []
        with self.sessions.begin() as s:
            now = utcnow()
            for i, record in enumerate(records):
                nomination = Nomination(submission_token=f"import-{batch}-{i}"[:64], origin="import",
                                        status="approved", language="en", data={"record": record},
                                        contact=None, consent=True, decided_at=now, decided_by=moderator)
                s.add(nomination)
                created.append(nomination)
            s.flush()
            s.add(AuditEvent(actor=moderator, action="imported", details={
                "file": filename[:200], "rows": len(records), "ids": [n.id for n in created]}, publishes=True))
        return created

    # --- moderators -------------------------------------------------------------------------
    def create_moderator(self, username: str, password: str, actor: str = "command line") -> Moderator:
        username = (username or "").strip()
        if not 3 <= len(username) <= 80:
            raise InvalidParameter("A moderator name has 3 to 80 characters")
        if len(password or "") < 12:
            raise InvalidParameter("A moderator password needs at least 12 characters")
        try:
            with self.sessions.begin() as s:
                moderator = Moderator(username=username, active=True,
                                      password_hash=generate_password_hash(password, method=PASSWORD_METHOD))
                s.add(moderator)
                s.add(AuditEvent(actor=actor, action="moderator_created", details={"username": username}))
        except IntegrityError:
            raise Conflict(f"A moderator named {username!r} already exists") from None
        return moderator

    def authenticate(self, username: str, password: str, client: str) -> Moderator:
        with self.sessions.begin() as s:
            self._rate_check(s, "login", client)
        with self.reads() as s:
            moderator = s.scalar(select(Moderator).where(Moderator.username == (username or "").strip()))
        # Check a hash even for an unknown name, so timing does not reveal which names exist.
        valid = check_password_hash(moderator.password_hash if moderator else _DUMMY_HASH, password or "")
        if not (moderator and valid):
            raise NotAuthenticated("Unknown moderator name or wrong password")
        if not moderator.active:
            raise Forbidden("This moderator account is disabled")
        with self.sessions.begin() as s:
            s.add(AuditEvent(actor=moderator.username, action="login"))
        return moderator

    def active_moderator(self, moderator_id: int | None) -> Moderator:
        if moderator_id is None:
            raise NotAuthenticated("Log in as a moderator to see this page")
        with self.reads() as s:
            moderator = s.get(Moderator, moderator_id)
        if moderator is None:
            raise NotAuthenticated("Your session has expired; log in again")
        if not moderator.active:
            raise Forbidden("This moderator account is disabled")
        return moderator

    def audit(self, limit: int = 200) -> list[AuditEvent]:
        with self.reads() as s:
            return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)))
