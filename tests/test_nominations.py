"""Nominations core (no HTTP): storage, idempotency, moderation, audit trail, passwords, rate
limits, validation and publishing, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, timedelta

import pytest
from nominations_support import BACKENDS, CONTACT_EMAIL, CONTACT_PHONE, fresh_database_url, new_token, valid_form
from sqlalchemy import func, select, text

from geo_service.catalogue.placenames import PlaceResolver
from geo_service.catalogue.schema import schema_errors
from geo_service.errors import InvalidParameter, ValidationFailed
from geo_service.nominations.validation import clean_submission
from geo_service.store.changes import CatalogueStore, RateLimit
from geo_service.store.errors import Conflict, NotAuthenticated, RateLimited
from geo_service.store.models import AuditEvent, Nomination


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    s = CatalogueStore(fresh_database_url(request.param, tmp_path))
    yield s
    s.engine.dispose()


@pytest.fixture(scope="module")
def resolver(boundaries):
    return PlaceResolver(boundaries)


def _data(resolver, **overrides):
    form = {k: v if isinstance(v, list) else [v] for k, v in valid_form(**overrides).items()}
    form["submission_token"] = [new_token()]
    return clean_submission(form, resolver.resolve)


def _count(store, model=Nomination):
    with store.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_schema_is_migrated_to_head_and_reopening_is_harmless(store):
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0003_batches"
    again = CatalogueStore(store.url)  # a second worker starting on the same database
    assert again.revision() == store.revision()
    again.engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path):
    s = CatalogueStore(fresh_database_url("sqlite", tmp_path))
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_resubmission_with_the_same_token_returns_the_same_nomination(store, resolver):
    data, contact, token = _data(resolver)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(store.submit(data, contact, token, "fr", "c1")))
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({n.id for n in results}) == 1
    assert _count(store) == 1


def test_approval_publishes_a_valid_catalogue_record_without_the_contact(store, resolver):
    data, contact, token = _data(
        resolver, place=["Liège", "Gent"], address=["Rue Léopold 1", ""], postcode=["4000", ""]
    )
    nomination = store.submit(data, contact, token, "de", "c1")
    before = store.revision()
    assert store.records() == []
    store.approve(nomination.id, "mod")
    assert store.revision() != before
    [record] = store.records()
    assert schema_errors(record) == []
    assert record["id"] == f"nomination-{nomination.id}"
    assert record["kind"] == "citizen_initiative"
    [source] = record["sources"]
    day = store.get(nomination.id).decided_at.date().isoformat()
    assert source["note"] == f"nomination #{nomination.id}, approved on {day}"
    assert [p["place"] for p in record["places"]] == ["62063", "44021"]
    assert record["places"][0]["address"] == "Rue Léopold 1"
    assert {"name": "volunteers", "value": 12, "year": None, "note": "as given in the nomination"} in record["figures"]
    assert CONTACT_EMAIL not in repr(record) and CONTACT_PHONE not in repr(record)


def test_a_submission_does_not_move_the_published_revision(store, resolver):
    before = store.revision()
    store.submit(*_data(resolver)[:3], "en", "c1")
    assert store.revision() == before


def test_reject_needs_a_reason_and_decisions_are_final_and_audited(store, resolver):
    n = store.submit(*_data(resolver), "en", "c1")
    with pytest.raises(InvalidParameter):
        store.reject(n.id, "mod", "  ")
    store.reject(n.id, "mod", "Not in Belgium")
    with pytest.raises(Conflict):
        store.approve(n.id, "mod2")
    assert store.records() == []
    history = [(e.actor, e.action, e.details) for e in store.history(n.id)]
    assert history == [("public", "submitted", {"language": "en"}), ("mod", "rejected", {"reason": "Not in Belgium"})]
    assert _count(store) == 1  # nothing deleted


def test_edit_keeps_old_and_new_values_and_republishes(store, resolver):
    n = store.submit(*_data(resolver), "en", "c1")
    store.approve(n.id, "mod")
    before = store.revision()
    store.edit(n.id, "mod", {**n.data, "name": "Repair café Liège"})
    [event] = [e for e in store.history(n.id) if e.action == "edited"]
    assert event.actor == "mod" and event.details == {
        "name": {"old": "Repair café Nieuwkomers", "new": "Repair café Liège"}
    }
    assert store.revision() != before
    assert store.records()[0]["name"] == "Repair café Liège"


def test_moderator_passwords_are_hashed_and_checked(store):
    store.create_moderator("alice", "correct horse battery staple")
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM moderators")).scalar()
        audit = " ".join(str(r) for r in conn.execute(text("SELECT * FROM audit_events")))
    assert stored.startswith("scrypt:") and "correct horse" not in stored and "correct horse" not in audit
    assert store.authenticate("alice", "correct horse battery staple", "c1").username == "alice"
    for name, password in (("alice", "wrong password!!"), ("bob", "correct horse battery staple")):
        with pytest.raises(NotAuthenticated):
            store.authenticate(name, password, "c1")
    with pytest.raises(InvalidParameter):
        store.create_moderator("carol", "short")
    with pytest.raises(Conflict):
        store.create_moderator("alice", "another long password")


def test_rate_limit_is_per_client_and_leaves_the_database_unchanged(store, resolver):
    store.limits["submit"] = RateLimit(2, timedelta(hours=1))
    for _ in range(2):
        store.submit(*_data(resolver), "en", "client-a")
    with pytest.raises(RateLimited):
        store.submit(*_data(resolver), "en", "client-a")
    assert _count(store) == 2
    store.submit(*_data(resolver), "en", "client-b")
    assert _count(store) == 3


def test_rate_hits_older_than_every_window_are_dropped(store, resolver):
    from datetime import datetime

    from geo_service.store.models import RateHit

    with store.sessions.begin() as s:
        s.add(RateHit(bucket="submit", client="client-old", at=datetime(2020, 1, 1, tzinfo=UTC)))
    store.submit(*_data(resolver), "en", "client-new")
    with store.sessions() as s:
        clients = set(s.scalars(select(RateHit.client)))
    assert "client-old" not in clients and "client-new" in clients


def test_validation_reports_each_field(resolver):
    form = {
        k: v if isinstance(v, list) else [v]
        for k, v in valid_form(
            name="",
            place=["Atlantis", "Luik"],
            themes=["astrology"],
            scope="galactic",
            website="javascript:alert(1)",
            start_year="1066",
            contact_email="not-an-address",
            consent="",
        ).items()
    }
    form["submission_token"] = ["x"]
    with pytest.raises(ValidationFailed) as info:
        clean_submission(form, resolver.resolve)
    fields = {e["field"] for e in info.value.details["errors"]}
    assert fields == {
        "name",
        "place[0]",
        "themes",
        "scope",
        "website",
        "start_year",
        "contact_email",
        "consent",
        "submission_token",
    }
    [atlantis] = [e for e in info.value.details["errors"] if e["field"] == "place[0]"]
    assert "Atlantis" in atlantis["reason"]


def test_commune_picker_accepts_dutch_french_and_german_names(resolver):
    def nis(name):
        return _data(resolver, place=[name])[0]["places"][0]["nis"]

    assert {nis(name) for name in ("Luik", "Liège", "LIEGE")} == {"62063"}
    assert {nis(name) for name in ("Sankt Vith", "Saint-Vith")} == {"63067"}


def test_markup_is_kept_as_text(store, resolver):
    data, contact, token = _data(resolver, description="<script>alert('x')</script> & more")
    n = store.submit(data, contact, token, "en", "c1")
    assert store.get(n.id).data["description"] == "<script>alert('x')</script> & more"


def test_every_change_is_in_the_audit_trail(store, resolver):
    n = store.submit(*_data(resolver), "en", "c1")
    store.create_moderator("mod", "a long enough password")
    store.reveal_contact(n.id, "mod")
    store.approve(n.id, "mod")
    actions = [(e.actor, e.action) for e in reversed(store.audit())]
    assert actions == [
        ("public", "submitted"),
        ("command line", "moderator_created"),
        ("mod", "contact_viewed"),
        ("mod", "approved"),
    ]
    assert _count(store, AuditEvent) == 4
