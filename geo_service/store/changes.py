"""The store's reads and writes (nominations, moderation, imports, moderators, rate limits),
independent of Flask.

Every state change runs in one transaction together with its audit event, and is committed
before the caller answers the client, so a confirmation always means "on disk". A resubmitted
form (same submission token) returns the nomination it created the first time.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, func, make_url, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import InvalidParameter, NotFound
from . import db
from .errors import Conflict, Forbidden, NotAuthenticated, RateLimited
from .models import AuditEvent, CatalogueImport, Moderator, Nomination, RateHit, utcnow
from .published import (
    RECORD_ORIGINS,
    SITE_CHANGE_ORIGINS,
    Published,
    harvest_entry,
    log_entry,
    to_record,
    to_site_change,
)

PASSWORD_METHOD = "scrypt"  # werkzeug.security: hashlib.scrypt with a random salt
_DUMMY_HASH = generate_password_hash("not-a-password", method=PASSWORD_METHOD)


@dataclass(frozen=True)
class RateLimit:
    count: int
    window: timedelta


SUBMIT_LIMIT = RateLimit(20, timedelta(hours=1))  # every POST of the form counts, accepted or not
LOGIN_LIMIT = RateLimit(10, timedelta(minutes=15))
# A moderator's session ends this long after the login, whatever happens in between: a working day.
SESSION_LIFETIME = timedelta(hours=9)
PUBLIC_FIELDS = (
    "name",
    "description",
    "places",
    "themes",
    "target_groups",
    "scope",
    "start_year",
    "website",
    "volunteers",
    "beneficiaries",
    "kind",
)


def approved_rows(batch: CatalogueImport, origin: str, datas: list[dict], actor: str, now) -> list[Nomination]:
    """The rows of a batch (an imported list's records, a harvest's site changes), approved as
    they are stored: the operator reviewed the file or the diff before."""
    return [
        Nomination(
            submission_token=f"{origin}-{batch.id}-{i}",
            origin=origin,
            status="approved",
            language="en",
            data=data,
            contact=None,
            consent=True,
            decided_at=now,
            decided_by=actor[:80],
            import_id=batch.id,
        )
        for i, data in enumerate(datas)
    ]


def add_batch(
    s, batch: CatalogueImport, origin: str, datas: list[dict], action: str, details: dict
) -> list[Nomination]:
    """Add ``batch``, its approved rows and the audit event that publishes them to session ``s``
    (one transaction: imported lists and harvests alike). ``details`` gains the batch id and the
    row count."""
    s.add(batch)
    s.flush()
    rows = approved_rows(batch, origin, datas, batch.actor, batch.at)
    s.add_all(rows)
    s.flush()
    s.add(
        AuditEvent(
            actor=batch.actor,
            action=action,
            publishes=True,
            details={"batch": batch.id, **details, "rows": len(rows), "ids": [row.id for row in rows]},
        )
    )
    return rows


def client_key(address: str | None, secret: str | bytes) -> str:
    """Rate-limit and log key of a client: an HMAC of the address keyed by this deployment's
    secret, so the address is not stored and cannot be found again by hashing every IPv4
    address (as a plain sha256 could)."""
    secret = secret.encode() if isinstance(secret, str) else secret
    key = hashlib.sha256(b"geo_service client key\0" + secret).digest()  # not the signing key itself
    return hmac.new(key, (address or "unknown").encode(), hashlib.sha256).hexdigest()[:32]


def _private_sqlite_file(url: str) -> None:
    """Create a new SQLite database file readable by its owner only (0600; SQLite gives its
    -wal and -shm files the same mode), in a folder created 0700."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _lock(s: Session, name: str) -> None:
    """Serialise transactions that take the same ``name`` until they commit. PostgreSQL: an
    advisory transaction lock; SQLite's BEGIN IMMEDIATE already serialises every writer."""
    if s.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


class CatalogueStore:
    """The nominations database; also the state holder's ``PublishedSource``."""

    def __init__(self, url: str, submit_limit: RateLimit = SUBMIT_LIMIT, login_limit: RateLimit = LOGIN_LIMIT):
        self.url = url
        _private_sqlite_file(url)
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
        """The approved initiative records (nominations and imported rows)."""
        return self.published().records

    def published(self) -> Published:
        """Everything approved, in one read transaction: initiative records, site changes (in the
        order they were approved), the applied register harvests and the log of publications."""
        with self.reads() as s:
            rows = list(
                s.scalars(
                    select(Nomination)
                    .where(Nomination.status == "approved")
                    .order_by(Nomination.decided_at, Nomination.id)
                )
            )
            batches = {b.id: b for b in s.scalars(select(CatalogueImport))}
        records, site_changes, log = [], [], []
        for n in sorted(rows, key=lambda n: n.id):
            if n.origin in RECORD_ORIGINS:
                records.append(to_record(n))
                log.append(log_entry(n, batches.get(n.import_id)))
        for n in rows:  # site changes apply in the order they were approved
            if n.origin in SITE_CHANGE_ORIGINS:
                site_changes.append(to_site_change(n, batches.get(n.import_id)))
        harvests = [
            harvest_entry(b)
            for b in sorted(batches.values(), key=lambda b: (b.at, b.id))
            if b.source and b.reverted_at is None
        ]
        return Published(records=records, site_changes=site_changes, harvests=harvests, log=log)

    # --- public -----------------------------------------------------------------------------
    def _rate_used(self, s: Session, bucket: str, client: str) -> None:
        """Raise RateLimited when ``client`` has used up ``bucket``'s budget."""
        limit = self.limits[bucket]
        used = s.scalar(
            select(func.count(RateHit.id)).where(
                RateHit.bucket == bucket, RateHit.client == client, RateHit.at >= utcnow() - limit.window
            )
        )
        if used >= limit.count:
            raise RateLimited(
                f"Too many requests from this address: at most {limit.count} per "
                f"{int(limit.window.total_seconds() // 60)} minutes; please try again later."
            )

    def _rate_check(self, s: Session, bucket: str, client: str) -> None:
        _lock(s, f"rate {bucket} {client}")  # count-then-insert must not interleave for one client
        self._rate_used(s, bucket, client)
        s.add(RateHit(bucket=bucket, client=client))
        # hits older than every window count for nothing: drop them so the table stays small
        oldest = utcnow() - max(lim.window for lim in self.limits.values())
        s.execute(delete(RateHit).where(RateHit.at < oldest))

    def check_rate(self, bucket: str, client: str) -> None:
        """Refuse (RateLimited) before any work when the budget is spent; records nothing."""
        with self.reads() as s:
            self._rate_used(s, bucket, client)

    def count_failure(self, client: str) -> None:
        """A refused form counts against the submission budget like an accepted one, so a flood of
        invalid posts is cut off by the rate limit instead of being validated again and again."""
        with self.sessions.begin() as s:
            self._rate_check(s, "submit", client)

    def submit(
        self, data: dict, contact: dict | None, token: str, language: str, client: str, origin: str = "form"
    ) -> Nomination:
        """Store a validated nomination, or a correction (``origin="correction"``), pending, and
        return it; idempotent per ``token``."""
        existing = self.by_token(token)
        if existing is not None:
            return existing
        try:
            with self.sessions.begin() as s:
                self._rate_check(s, "submit", client)
                nomination = Nomination(
                    submission_token=token,
                    origin=origin,
                    status="pending",
                    language=language,
                    data=data,
                    contact=contact,
                    consent=True,
                )
                s.add(nomination)
                s.flush()
                s.add(
                    AuditEvent(
                        actor="public",
                        action="submitted",
                        nomination_id=nomination.id,
                        details={"language": language},
                        publishes=False,
                    )
                )
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

    def list(self, status: str | None = "pending", origins: tuple[str, ...] | None = None) -> list[Nomination]:
        """Rows of ``status`` (None: every status), of the given ``origins`` only when given."""
        with self.reads() as s:
            query = select(Nomination).order_by(Nomination.id)
            if status:
                query = query.where(Nomination.status == status)
            if origins is not None:
                query = query.where(Nomination.origin.in_(origins))
            return list(s.scalars(query))

    def counts(self, origins: tuple[str, ...] | None = None) -> dict[str, int]:
        with self.reads() as s:
            query = select(Nomination.status, func.count()).group_by(Nomination.status)
            if origins is not None:
                query = query.where(Nomination.origin.in_(origins))
            return dict(s.execute(query).all())

    def history(self, nomination_id: int) -> list[AuditEvent]:
        with self.reads() as s:
            return list(
                s.scalars(select(AuditEvent).where(AuditEvent.nomination_id == nomination_id).order_by(AuditEvent.id))
            )

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
            if status == "approved" and nomination.origin in SITE_CHANGE_ORIGINS and "change" not in nomination.data:
                # published() reads the site change of every approved row: it must be there
                raise Conflict(f"{nomination.reference} is approved with the site change it makes, on its own page")
            now = utcnow()
            nomination.status, nomination.decided_at, nomination.decided_by = status, now, moderator
            nomination.decision_reason, nomination.updated_at = reason, now
            s.add(
                AuditEvent(
                    actor=moderator,
                    action=status,
                    nomination_id=nomination_id,
                    details={"reason": reason} if reason else None,
                    publishes=status == "approved",
                )
            )
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
            s.add(
                AuditEvent(
                    actor=moderator,
                    action="edited",
                    nomination_id=nomination_id,
                    details=changes,
                    publishes=nomination.status == "approved",
                )
            )
        return nomination

    def import_records(
        self,
        records: list[dict],
        actor: str,
        filename: str,
        *,
        via: str = "moderation",
        digest: str = "",
        once: bool = False,
    ) -> CatalogueImport | None:
        """Store validated catalogue records as approved imports with their import (who, when,
        which file, how many), all in one transaction: every server on this database serves them.
        ``once``: do nothing (None) when a file with this digest was imported before."""
        with self.sessions.begin() as s:
            _lock(s, "catalogue import")
            if once and s.scalar(select(CatalogueImport.id).where(CatalogueImport.digest == digest).limit(1)):
                return None
            now = utcnow()
            batch = CatalogueImport(
                at=now,
                actor=actor[:80],
                via=via,
                filename=filename[:255],
                digest=digest,
                records=len(records),
                sites=sum(len(r.get("places") or []) for r in records),
            )
            add_batch(
                s,
                batch,
                "import",
                [{"record": record} for record in records],
                "imported",
                {"import": batch.id, "via": via, "file": filename[:200]},
            )
        return batch

    def imports(self) -> list[CatalogueImport]:
        with self.reads() as s:
            return list(s.scalars(select(CatalogueImport).order_by(CatalogueImport.id)))

    # --- moderators -------------------------------------------------------------------------
    def create_moderator(self, username: str, password: str, actor: str = "command line") -> Moderator:
        username = (username or "").strip()
        if not 3 <= len(username) <= 80 or not username.isprintable():
            raise InvalidParameter("A moderator name has 3 to 80 printable characters")
        if len(password or "") < 12:
            raise InvalidParameter("A moderator password needs at least 12 characters")
        try:
            with self.sessions.begin() as s:
                moderator = Moderator(
                    username=username,
                    active=True,
                    password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
                )
                s.add(moderator)
                s.add(AuditEvent(actor=actor, action="moderator_created", details={"username": username}))
        except IntegrityError:
            raise Conflict(f"A moderator named {username!r} already exists") from None
        return moderator

    def authenticate(self, username: str, password: str, client: str) -> Moderator:
        with self.sessions.begin() as s:
            self._rate_check(s, "login", client)
        username, password = (username or "").strip(), password or ""
        moderator = None
        # A NUL cannot be stored in a name (PostgreSQL refuses it in text): such a name is unknown.
        if 0 < len(username) <= 80 and "\x00" not in username:
            with self.reads() as s:
                moderator = s.scalar(select(Moderator).where(Moderator.username == username))
        # Check a hash even for an unknown name, so timing does not reveal which names exist.
        valid = check_password_hash(moderator.password_hash if moderator else _DUMMY_HASH, password)
        if not (moderator and valid):
            raise NotAuthenticated("Unknown moderator name or wrong password")
        if not moderator.active:
            raise Forbidden("This moderator account is disabled")
        with self.sessions.begin() as s:
            s.add(AuditEvent(actor=moderator.username, action="login"))
        return moderator

    def active_moderator(
        self, moderator_id: int | None, version: int | None = None, logged_in_at: float | None = None
    ) -> Moderator:
        """The moderator of a session: ``version`` must be the account's current session version
        (logout and password changes bump it) and the login at most SESSION_LIFETIME old."""
        if moderator_id is None:
            raise NotAuthenticated("Log in as a moderator to see this page")
        if logged_in_at is None or utcnow().timestamp() - logged_in_at > SESSION_LIFETIME.total_seconds():
            raise NotAuthenticated("Your session has expired; log in again")
        with self.reads() as s:
            moderator = s.get(Moderator, moderator_id)
        if moderator is None or moderator.session_version != version:
            raise NotAuthenticated("Your session has ended; log in again")
        if not moderator.active:
            raise Forbidden("This moderator account is disabled")
        return moderator

    def end_sessions(self, moderator_id: int, actor: str, action: str = "logout") -> None:
        """Invalidate every session of this moderator, on every server (a copied cookie too)."""
        with self.sessions.begin() as s:
            moderator = s.get(Moderator, moderator_id, with_for_update=True)
            if moderator is None:
                return
            moderator.session_version = (moderator.session_version or 1) + 1
            s.add(AuditEvent(actor=actor[:80], action=action))

    def set_password(self, username: str, password: str, actor: str = "command line") -> Moderator:
        """Replace a moderator's password; every open session of the account ends."""
        if len(password or "") < 12:
            raise InvalidParameter("A moderator password needs at least 12 characters")
        with self.sessions.begin() as s:
            moderator = s.scalar(select(Moderator).where(Moderator.username == (username or "").strip()))
            if moderator is None:
                raise NotFound(f"No moderator named {username!r}")
            moderator.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
            moderator.session_version = (moderator.session_version or 1) + 1
            s.add(AuditEvent(actor=actor, action="password_changed", details={"username": moderator.username}))
        return moderator

    def audit(self, limit: int = 200) -> list[AuditEvent]:
        with self.reads() as s:
            return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)))
