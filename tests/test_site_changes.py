"""Site changes from the store (harvests, corrections) applied to the catalogue (the foundation of
issues 21 and 22): added, moved, corrected, confirmed and closed sites, in order, with their
sources and dates; a change that cannot apply is left out, never guessed; the change log names
the communes each change touched."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geo_service.catalogue import load_catalogue
from geo_service.store.changes import CatalogueStore
from geo_service.store.models import CatalogueImport, Nomination
from geo_service.store.published import Published

KBO = {"publisher": "KBO/BCE Open Data, FPS Economy", "url": None, "date": "2026-12-05", "licence": "KBO Open Data"}
SINT_NIKLAAS, GENT, LEUVEN = "46021", "44021", "24062"


def change(seq, action, site, fields=None, **extra):
    return {
        "seq": seq,
        "at": "2026-12-07",
        "origin": "harvest",
        "batch": "H-000001",
        "action": action,
        "site": site,
        "initiative": "vdab",
        "fields": fields or {},
        "source": KBO,
        **extra,
    }


@pytest.fixture(scope="module")
def changed(boundaries):
    changes = [
        change(
            1,
            "add",
            "vdab-2-100-000-001",
            {
                "name": "VDAB Sint-Niklaas",
                "place": SINT_NIKLAAS,
                "postcode": "9100",
                "precision": "commune",
                "source_id": "2.100.000.001",
                "contacts": {"phone": "+32 3 000 00 00"},
            },
        ),
        change(2, "update", "vdab-gent", {"place": LEUVEN, "address": "Somewhere 1", "postcode": "3000"}),
        change(3, "close", "vdab-kortrijk", reason="no longer in the KBO/BCE register of 2026-12-05"),
        change(4, "confirm", "vdab-hasselt", {"last_confirmed": "2026-12-05"}),
        change(5, "update", "no-such-site", {"name": "x"}),
        change(6, "add", "ghost-1", {"place": GENT}, initiative="no-such-initiative"),
    ]
    return load_catalogue(boundaries, published=Published(site_changes=changes))


def test_an_added_site_is_placed_with_its_fields_and_source(changed):
    site = changed.sites.loc["vdab-2-100-000-001"]
    assert (site["initiative_id"], site["kind"], site["nis"]) == ("vdab", "public_employment_service", SINT_NIKLAAS)
    assert site["precision"] == "commune" and site["status"] == "active"
    assert site["source_id"] == "2.100.000.001" and site["contacts"] == {"phone": "+32 3 000 00 00"}
    assert site["sources"] == [KBO] and site["last_confirmed"] == "2026-12-05"


def test_an_update_moves_the_site_and_keeps_its_older_sources(boundaries, changed):
    before = load_catalogue(boundaries).sites.loc["vdab-gent"]
    site = changed.sites.loc["vdab-gent"]
    assert before["nis"] == GENT and site["nis"] == LEUVEN
    assert site["precision"] == "commune" and site["address"] == "Somewhere 1"
    assert site["sources"][0] == KBO and site["sources"][1:] == before["sources"]


def test_a_closed_site_stays_with_its_status_date_and_reason(changed):
    site = changed.sites.loc["vdab-kortrijk"]
    assert (site["status"], site["closed_on"]) == ("closed", "2026-12-07")
    assert "no longer in the KBO/BCE register" in site["note"]


def test_a_confirmation_only_dates_the_site(boundaries, changed):
    before = load_catalogue(boundaries).sites.loc["vdab-hasselt"]
    site = changed.sites.loc["vdab-hasselt"]
    assert site["last_confirmed"] == "2026-12-05"
    assert (site["nis"], site["name"], site["declared_status"]) == (
        before["nis"],
        before["name"],
        before["declared_status"],
    )
    # the new date makes a site that had gone stale current again (catalogue.freshness)
    assert site["status"] == "active" and not site["stale"]


def test_changes_that_cannot_apply_are_left_out(changed):
    assert "no-such-site" not in changed.sites.index and "ghost-1" not in changed.sites.index


def test_the_change_log_names_what_changed_where(changed):
    log = {c["site"]: c for c in changed.changes}
    assert set(log) == {"vdab-2-100-000-001", "vdab-gent", "vdab-kortrijk"}, "confirmations and failures are no change"
    assert log["vdab-2-100-000-001"]["what"] == "added" and log["vdab-2-100-000-001"]["communes"] == [SINT_NIKLAAS]
    assert log["vdab-gent"]["what"] == "moved" and log["vdab-gent"]["communes"] == [GENT, LEUVEN]
    assert log["vdab-kortrijk"]["what"] == "closed" and log["vdab-kortrijk"]["reference"] == "H-000001"


def test_the_store_publishes_harvest_rows_as_site_changes(tmp_path, boundaries):
    """Rows of origin harvest in an applied batch reach the catalogue through ``published()``;
    a reverted batch's rows and its harvest entry do not."""
    store = CatalogueStore(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    now = datetime(2026, 12, 7, 10, tzinfo=UTC)
    with store.sessions.begin() as s:
        for number, reverted in ((1, None), (2, now)):
            batch = CatalogueImport(
                at=now,
                actor="test",
                via="harvest",
                filename="extract.zip",
                digest=str(number),
                records=0,
                sites=1,
                source="kbo",
                network="vdab",
                snapshot="2026-12-05",
                reverted_at=reverted,
            )
            s.add(batch)
            s.flush()
            data = change(0, "add", f"vdab-2-100-000-00{number}", {"place": SINT_NIKLAAS})
            s.add(
                Nomination(
                    submission_token=f"harvest-{number}",
                    origin="harvest",
                    status="reverted" if reverted else "approved",
                    data={"change": data},
                    decided_at=now,
                    import_id=batch.id,
                )
            )
    published = store.published()
    assert [c["site"] for c in published.site_changes] == ["vdab-2-100-000-001"]
    assert published.site_changes[0]["batch"] == "H-000001" and published.records == []
    assert [(h["network"], h["snapshot"], h["batch"]) for h in published.harvests] == [
        ("vdab", "2026-12-05", "H-000001")
    ]
    catalogue = load_catalogue(boundaries, published=published)
    assert catalogue.sites.loc["vdab-2-100-000-001", "nis"] == SINT_NIKLAAS
    assert catalogue.harvests == published.harvests
    store.engine.dispose()


def test_the_change_log_lists_published_initiatives_with_their_communes(boundaries):
    record = {
        "id": "import-7",
        "name": "Taalcafé Sint-Niklaas",
        "kind": "citizen_initiative",
        "themes": ["language"],
        "target_groups": ["newcomers"],
        "scope": "local",
        "status": "active",
        "sources": [{"url": "https://example.org/taalcafe", "publisher": "Example"}],
        "places": [{"place": SINT_NIKLAAS}],
        "origin": "import",
    }
    entry = {
        "at": "2026-12-06T09:00:00+00:00",
        "what": "added",
        "origin": "import",
        "reference": "I-000003",
        "initiative": "import-7",
        "site": None,
    }
    missing = {**entry, "initiative": "import-8"}
    catalogue = load_catalogue(boundaries, published=Published(records=[record], log=[entry, missing]))
    assert catalogue.changes == [
        {
            **entry,
            "at": "2026-12-06",
            "name": "Taalcafé Sint-Niklaas",
            "communes": [SINT_NIKLAAS],
            "source": None,
            "reason": None,
        }
    ]


def test_site_texts_follow_the_change(changed):
    """Pages read a site's names and notes by language: an added site gets them, a renamed or
    closed one has no stale text left in another language."""
    added = changed.sites.loc["vdab-2-100-000-001"]
    assert added["names"] == {"en": "VDAB Sint-Niklaas"}
    closed = changed.sites.loc["vdab-kortrijk"]
    assert closed["notes"] == {"en": "no longer in the KBO/BCE register of 2026-12-05"}
