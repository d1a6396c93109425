"""Register harvests in the store: one batch per applied diff, undone as a whole.

A harvest batch is a ``catalogue_imports`` row with its ``source`` (kbo | osm), ``network`` and
register ``snapshot`` date; each site change of its diff is a ``nominations`` row with origin
``harvest``, approved when the batch is stored (the operator reviewed the dry run), whose
``data["change"]`` is the site change the catalogue applies (docs/architecture.md). Storing and
reverting are each one transaction with their audit event (``publishes``), so every server
serves the new catalogue at its next poll, without a restart.

A revert keeps every row (status ``reverted``, the batch's ``reverted_at`` / ``reverted_by``):
the history stays readable. Only a network's latest applied batch can be reverted, because a
later batch's changes build on the sites an earlier one added or moved.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from ..errors import InvalidParameter, NotFound
from .changes import CatalogueStore, _lock, add_batch
from .errors import Conflict
from .models import AuditEvent, CatalogueImport, Nomination, utcnow

HARVEST_ORIGIN = "harvest"
REVERTED = "reverted"


def batch_id(reference: str | int) -> int:
    """The row id of a batch reference: ``H-000003``, ``3``."""
    match = re.fullmatch(r"\s*(?:[HI]-)?0*(\d+)\s*", str(reference))
    if not match:
        raise InvalidParameter(f"{reference!r} is not a batch reference (e.g. H-000003)")
    return int(match.group(1))


def store_harvest(
    store: CatalogueStore,
    *,
    source: str,
    network: str,
    snapshot: str,
    filename: str,
    digest: str,
    changes: list[dict],
    details: dict,
    actor: str = "command line",
) -> CatalogueImport:
    """Store a harvest's site changes as one applied batch (approved rows of origin ``harvest``)."""
    with store.sessions.begin() as s:
        _lock(s, "catalogue import")
        now = utcnow()
        batch = CatalogueImport(
            at=now,
            actor=actor[:80],
            via="command",
            filename=filename[:255],
            digest=digest,
            records=0,
            sites=len(changes),
            source=source,
            network=network,
            snapshot=snapshot,
            details=details,
        )
        add_batch(
            s,
            batch,
            HARVEST_ORIGIN,
            [{"change": change} for change in changes],
            "harvested",
            {"network": network, "source": source, "snapshot": snapshot},
        )
    return batch


def harvests(store: CatalogueStore) -> list[CatalogueImport]:
    """Every harvest batch, newest first (applied and reverted)."""
    with store.reads() as s:
        return list(
            s.scalars(
                select(CatalogueImport).where(CatalogueImport.source.is_not(None)).order_by(CatalogueImport.id.desc())
            )
        )


def harvest_batch(store: CatalogueStore, reference: str | int) -> tuple[CatalogueImport, list[dict]]:
    """A harvest batch and its site changes (each with its row's status)."""
    number = batch_id(reference)
    with store.reads() as s:
        batch = s.get(CatalogueImport, number)
        if batch is None or batch.source is None:
            raise NotFound(f"No harvest batch {reference}")
        rows = s.scalars(select(Nomination).where(Nomination.import_id == number).order_by(Nomination.id))
        return batch, [{**row.data["change"], "status": row.status} for row in rows]


def revert_harvest(store: CatalogueStore, reference: str | int, actor: str = "command line") -> CatalogueImport:
    """Undo an applied harvest batch: its rows stop being published (status ``reverted``)."""
    number = batch_id(reference)
    with store.sessions.begin() as s:
        _lock(s, "catalogue import")
        batch = s.get(CatalogueImport, number, with_for_update=True)
        if batch is None or batch.source is None:
            raise NotFound(f"No harvest batch {reference}")
        if batch.reverted_at is not None:
            raise Conflict(f"Batch {batch.reference} was already reverted on {batch.reverted_at:%Y-%m-%d}")
        later = s.scalar(
            select(CatalogueImport.id)
            .where(
                CatalogueImport.network == batch.network,
                CatalogueImport.source.is_not(None),
                CatalogueImport.reverted_at.is_(None),
                CatalogueImport.id > batch.id,
            )
            .order_by(CatalogueImport.id)
            .limit(1)
        )
        if later is not None:
            raise Conflict(
                f"Batch {batch.reference} cannot be reverted while a later batch of network {batch.network} "
                f"(H-{later:06d}) stands: revert that one first"
            )
        now = utcnow()
        batch.reverted_at, batch.reverted_by = now, actor[:80]
        rows = list(s.scalars(select(Nomination).where(Nomination.import_id == number)))
        for row in rows:
            row.status, row.updated_at = REVERTED, now
        s.add(
            AuditEvent(
                actor=actor[:80],
                action="harvest_reverted",
                publishes=True,
                details={"batch": batch.id, "network": batch.network, "rows": len(rows)},
            )
        )
    return batch
