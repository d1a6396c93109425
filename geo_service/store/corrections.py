"""Corrections in the store: a public report that a site closed, moved, has wrong details, exists
where the map shows nothing or does not exist where it shows one (docs/corrections.md).

A correction is a ``nominations`` row with origin ``correction``: received ``pending`` through
``CatalogueStore.submit`` (the nomination form's rate limit, token and audit), then decided by a
moderator: ``approved`` with the site change it makes in ``data["change"]`` (which
``CatalogueStore.published()`` publishes, so every server applies it at its next poll),
``rejected`` with a reason, or ``converted`` into a pending nomination (a service missing from the
map that is best described as a new initiative). Each decision is one transaction with its audit
event; the site's values before the change stay in the row (``data["previous"]``) and in the
audit trail.
"""

from __future__ import annotations

from ..errors import NotFound
from .changes import CatalogueStore
from .errors import Conflict
from .models import AuditEvent, Nomination, utcnow

CORRECTION = "correction"
CONVERTED = "converted"
STATUSES = ("pending", "approved", "rejected", CONVERTED)


def correction(store: CatalogueStore, correction_id: int) -> Nomination:
    """The correction with this id (NotFound for no row, or a row of another origin)."""
    with store.reads() as s:
        row = s.get(Nomination, correction_id)
    if row is None or row.origin != CORRECTION:
        raise NotFound(f"No correction #{correction_id}")
    return row


def corrections(store: CatalogueStore, status: str | None = "pending") -> list[Nomination]:
    """Corrections of ``status`` (None: all), oldest first."""
    return store.list(status, origins=(CORRECTION,))


def _pending(s, correction_id: int) -> Nomination:
    row = s.get(Nomination, correction_id, with_for_update=True)
    if row is None or row.origin != CORRECTION:
        raise NotFound(f"No correction #{correction_id}")
    if row.status != "pending":
        raise Conflict(f"Correction {row.reference} is already {row.status}")
    return row


def approve_correction(
    store: CatalogueStore, correction_id: int, moderator: str, change: dict, previous: dict
) -> Nomination:
    """Publish the site change the moderator confirmed (see ``corrections.approval.site_change``);
    ``previous``: the site's values it replaces, kept with the row and in the audit trail."""
    with store.sessions.begin() as s:
        row = _pending(s, correction_id)
        now = utcnow()
        row.data = {**row.data, "change": change, "previous": previous}
        row.status, row.decided_at, row.decided_by, row.updated_at = "approved", now, moderator[:80], now
        s.add(
            AuditEvent(
                actor=moderator[:80],
                action="approved",
                nomination_id=row.id,
                details={"change": change, "previous": previous},
                publishes=True,
            )
        )
    return row


def convert_correction(store: CatalogueStore, correction_id: int, moderator: str, data: dict) -> Nomination:
    """Turn a report of a service missing from the map into a pending nomination (public ``data``
    in the nomination form's shape; the reporter's private contact goes with it), for the moderator
    to complete and approve like any other; the correction is ``converted`` and names it."""
    with store.sessions.begin() as s:
        row = _pending(s, correction_id)
        now = utcnow()
        nomination = Nomination(
            submission_token=f"correction-{row.id}",
            origin="form",
            status="pending",
            language=row.language,
            data=data,
            contact=row.contact,
            consent=True,
        )
        s.add(nomination)
        s.flush()
        row.status, row.decided_at, row.decided_by, row.updated_at = CONVERTED, now, moderator[:80], now
        row.decision_reason = f"turned into nomination {nomination.reference}"
        s.add(
            AuditEvent(
                actor=moderator[:80], action=CONVERTED, nomination_id=row.id, details={"nomination": nomination.id}
            )
        )
        s.add(
            AuditEvent(
                actor=moderator[:80], action="submitted", nomination_id=nomination.id, details={"correction": row.id}
            )
        )
    return nomination


def reject_correction(store: CatalogueStore, correction_id: int, moderator: str, reason: str) -> Nomination:
    correction(store, correction_id)  # a correction, not another row
    return store.reject(correction_id, moderator, reason)
