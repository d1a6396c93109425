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
        and sites.loc["vdab-2-100-000-003", "declared_status"] == "active"
    )
    assert "vdab-2-100-000-009" not in sites.index
    revert_harvest(store, "1")
    catalogue = catalogue_of(store, boundaries)
    assert sorted(catalogue.sites.index[catalogue.sites["initiative_id"] == "vdab"]) == sorted(
        before.index[before["initiative_id"] == "vdab"]
    )
    assert catalogue.sites.loc["vdab-hasselt", "declared_status"] == "active" and catalogue.harvests == []
    with pytest.raises(Conflict, match="already reverted"):
        revert_harvest(store, "H-000001")
    batch, rows = harvest_batch(store, "H-000002")
    assert batch.reverted_by == "tester" and {r["status"] for r in rows} == {"reverted"}
    assert [b.reference for b in harvests(store)] == ["H-000002", "H-000001"]


@pytest.mark.slow  # three full indicator computations
def test_a_whole_register_harvest_makes_the_network_complete_as_of_its_snapshot(store, base, settings, extracts):
    """VDAB (a real network, its real enterprise number) harvested from the fixture extract: its
    Flemish communes' employment status is no longer unknown, and a gap's reason names the register
    and the snapshot date in each language."""
    from geo_service.indicators import compute_indicators
    from geo_service.indicators import status as rules

    kind = "public_employment_service"
    communes = base.boundaries.communes
    flemish = communes.index[communes["region"] == "02000"]
    before = compute_indicators(base, catalogue_of(store, base.boundaries), settings, use_cache=False)
    assert before.networks.at["vdab", "status"] == "partial"
    assert (before.communes.loc[flemish, f"status_{kind}"] == "unknown").sum() > 100
    harvest(store, base.boundaries, extracts["2026-12"])
    catalogue = catalogue_of(store, base.boundaries)
    after = compute_indicators(base, catalogue, settings, use_cache=False)
    vdab = after.networks.loc["vdab"]
    assert vdab["status"] == "complete" and vdab["as_of"] == "2026-12-05"
    assert (
        vdab["expected_sites"] == vdab["known_sites"]
        and vdab["sources"][0]["publisher"] == "KBO/BCE Open Data, FPS Economy"
    )
    statuses = after.communes.loc[flemish, f"status_{kind}"]
    assert set(statuses) <= {"served", "gap"} and (statuses == "gap").sum() > 100
    gap = statuses.index[statuses == "gap"][0]
    reason = after.communes.at[gap, f"status_reason_{kind}"]
    assert "according to the KBO/BCE register of 5 December 2026" in reason and "list is complete" in reason
    row = after.communes.loc[gap].to_dict()
    for lang, wording in (
        ("fr", "selon le registre de la BCE du 5 décembre 2026"),
        ("nl", "volgens het KBO-register van 5 december 2026"),
    ):
        lookup = rules.network_lookup(after.networks, lang)
        assert wording in rules.explain(rules.facts_of(row, kind, lookup, after.reach_km))
    # a harvest with selectors of the command line is not the whole register: no completeness from it
    revert_harvest(store, "H-000001")
    plan = kbo_plan("vdab", nace=["78.100"])
    result = diff_against(
        catalogue_of(store, base.boundaries), base.boundaries, plan, read_kbo(extracts["2026-12"], list(plan.kbo))
    )
    store_batch(store, result)
    partial = compute_indicators(base, catalogue_of(store, base.boundaries), settings, use_cache=False)
    assert partial.networks.at["vdab", "status"] == "partial" and partial.networks.at["vdab", "harvest"] is None
