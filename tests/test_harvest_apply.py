"""``--apply`` and ``revert``: a harvest is one batch in the store every server reads; the next
month's snapshot applied over the last gives exactly its moves, closures and openings; a revert
undoes a batch as a whole (the latest of its network first); the harvested network becomes
complete as of the snapshot, so its communes' ``unknown`` turns into ``served`` or ``gap``."""

from __future__ import annotations

import pytest
from test_harvest_kbo import FIXTURES, zip_extract

from geo_service.catalogue import load_catalogue
from geo_service.harvest.kbo import read_kbo
from geo_service.harvest.network import kbo_plan
from geo_service.harvest.run import diff_against, store_batch
from geo_service.store.changes import CatalogueStore
from geo_service.store.errors import Conflict
from geo_service.store.harvests import harvest_batch, harvests, revert_harvest


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kbo")
    return {month: zip_extract(FIXTURES / month, folder / f"{month}.zip") for month in ("2026-12", "2027-01")}


@pytest.fixture()
def store(tmp_path):
    store = CatalogueStore(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    yield store
    store.engine.dispose()


def catalogue_of(store, boundaries):
    return load_catalogue(boundaries, published=store.published())


def harvest(store, boundaries, extract):
    plan = kbo_plan("vdab")
    result = diff_against(catalogue_of(store, boundaries), boundaries, plan, read_kbo(extract, list(plan.kbo)))
    return result, store_batch(store, result, digest="test")


def test_a_month_over_the_last_gives_exactly_the_moves_closures_and_openings(store, boundaries, extracts):
    december, first = harvest(store, boundaries, extracts["2026-12"])
    assert first == "H-000001" and december.whole
    catalogue = catalogue_of(store, boundaries)
    sites = catalogue.sites
    added = sites.loc["vdab-2-100-000-003"]
    assert (added["nis"], added["precision"], added["source_id"], added["status"]) == (
        "46030",
        "commune",
        "2.100.000.003",
        "active",
    )
    assert added["sources"][0]["publisher"] == "KBO/BCE Open Data, FPS Economy"
    assert added["sources"][0]["date"] == "2026-12-05" and "2.100.000.003" in added["sources"][0]["note"]
    assert sites.loc["vdab-2-100-000-002", "contacts"] == {
        "phone": "03 000 00 02",
        "email": "test-sint-niklaas@example.org",
    }
    assert sites.loc["vdab-gent", "source_id"] == "2.100.000.001"
    hasselt = sites.loc["vdab-hasselt"]
    assert hasselt["status"] == "closed" and hasselt["closed_on"], "a closed site keeps its history"
    assert [h["snapshot"] for h in catalogue.harvests] == ["2026-12-05"]

    january, second = harvest(store, boundaries, extracts["2027-01"])
    assert second == "H-000002"
    moves = {c.site: c for c in january.changes}
    actions = sorted((c.action, c.site) for c in january.changes)
    assert actions == [
        ("add", "vdab-2-100-000-009"),
        ("close", "vdab-2-100-000-003"),
        ("unchanged", "vdab-2-100-000-007"),  # the training centre: the register's selector takes every unit
        ("unchanged", "vdab-gent"),
        ("update", "vdab-2-100-000-002"),
        ("update", "vdab-brussel-head-office"),
    ], "the sites closed in December stay closed and out of January's diff"
    assert moves["vdab-brussel-head-office"].fields["place"] == "21014"  # Saint-Josse-ten-Noode
    assert set(moves["vdab-2-100-000-002"].fields) == {"address"}
    assert moves["vdab-2-100-000-003"].reason == "2.100.000.003 is no longer in the KBO/BCE register of 2027-01-05"
    after = catalogue_of(store, boundaries).sites
    assert after.loc["vdab-brussel-head-office", "nis"] == "21014"
    assert after.loc["vdab-2-100-000-003", "status"] == "closed"
    assert after.loc["vdab-2-100-000-009", "nis"] == "24062"
    assert after.loc["vdab-gent", "last_confirmed"] == "2027-01-05", "an unchanged site is confirmed as of the snapshot"

    # a third run of the same month finds nothing to do
    again = diff_against(catalogue_of(store, boundaries), boundaries, kbo_plan("vdab"), january.extract)
    assert {c.action for c in again.changes} == {"unchanged"}


def test_revert_undoes_a_batch_latest_first(store, boundaries, extracts):
    before = catalogue_of(store, boundaries).sites
    harvest(store, boundaries, extracts["2026-12"])
    harvest(store, boundaries, extracts["2027-01"])
    with pytest.raises(Conflict, match="while a later batch of network vdab \\(H-000002\\) stands"):
        revert_harvest(store, "H-000001")
    revert_harvest(store, "H-000002", actor="tester")
    sites = catalogue_of(store, boundaries).sites
    assert (
        sites.loc["vdab-brussel-head-office", "nis"] == "21004"
        and sites.loc["vdab-2-100-000-003", "status"] == "active"
    )
    assert "vdab-2-100-000-009" not in sites.index
    revert_harvest(store, "1")
    catalogue = catalogue_of(store, boundaries)
    assert sorted(catalogue.sites.index[catalogue.sites["initiative_id"] == "vdab"]) == sorted(
        before.index[before["initiative_id"] == "vdab"]
    )
    assert catalogue.sites.loc["vdab-hasselt", "status"] == "active" and catalogue.harvests == []
    with pytest.raises(Conflict, match="already reverted"):
        revert_harvest(store, "H-000001")
    batch, rows = harvest_batch(store, "H-000002")
    assert batch.reverted_by == "tester" and {r["status"] for r in rows} == {"reverted"}
    assert [b.reference for b in harvests(store)] == ["H-000002", "H-000001"]
