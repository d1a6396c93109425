"""Scenarios (issue 15): "what if a site opened here, or that one closed?" on the real catalogue.

The strongest check is the property test: for random scenarios, the incremental answer equals a
full recompute (``indicators.compute``) on a catalogue changed the same way, with completeness
frozen as docs/scenarios.md says (the register of the unchanged catalogue)."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import test_status_real as status_real
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from geo_service.errors import InvalidParameter
from geo_service.indicators import catalogue_fingerprint, tables
from geo_service.indicators.params import IndicatorParams
from geo_service.indicators.scenario import MAX_CHANGES, Change, Planner, Scenario

# the real catalogue and its indicators, computed once (fixtures of test_status_real), and the
# indicators were the CRI list complete (the real data hold no integration gap)
inputs, real, run, complete_cri = status_real.inputs, status_real.real, status_real.run, status_real.complete_cri
INTEGRATION, EMPLOYMENT = "civic_integration_office", "public_employment_service"
DESERT_KINDS = IndicatorParams().desert_kinds
COLUMNS = ("status", "nearest_km", "nearest_site", "network_complete", "access_2sfca", "access_e2sfca")


@pytest.fixture(scope="module")
def planner(inputs, real):
    return Planner(inputs.base.boundaries.communes, inputs.catalogue, real)


@pytest.fixture(scope="module")
def complete_planner(inputs, complete_cri):
    return Planner(inputs.base.boundaries.communes, inputs.catalogue, complete_cri)


def changed_catalogue(catalogue, result):
    """The catalogue as the scenario describes it: closed sites closed, new sites added (in the
    order of the changes, with the initiative the planner attached them to), capacities set."""
    sites = catalogue.sites.copy()
    sites["capacity"] = np.nan
    for sid in result.closed:
        sites.at[sid, "status"] = "closed"
    for change in result.changes:
        if change["op"] == "capacity" and change["effect"] == "changes":  # not on a site closed before
            sites.at[change["site"], "capacity"] = change["capacity"]
    initiatives = catalogue.initiatives
    rows = []
    for site in result.new_sites:
        if not site.competent:
            continue  # it serves no one: as if it were not there
        initiative = (
            site.initiative
            or initiatives.index[(initiatives["kind"] == site.kind) & (initiatives["status"] != "closed")][0]
        )
        rows.append(
            {
                "id": site.id,
                "initiative_id": initiative,
                "name": "new",
                "kind": site.kind,
                "nis": site.nis,
                "place": None,
                "status": "active",
                "precision": "exact",
                "capacity": np.nan,
                "geometry": shapely.Point(site.xy),
            }
        )
    if rows:
        new = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:31370").set_index("id").to_crs(sites.crs)
        sites = pd.concat([sites, new])
    return SimpleNamespace(initiatives=initiatives, sites=sites, service_areas=catalogue.service_areas)


def full_recompute(inputs, real, catalogue):
    """``indicators.compute`` on ``catalogue`` with the register of the unchanged catalogue
    (completeness frozen: a hypothetical site does not change what the operator states)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tables, "build_register", lambda *args, **kwargs: real.register)
        return run(inputs, catalogue)


def assert_same(full, result, kinds):
    for kind in kinds:
        after = result.columns[kind]
        for name in COLUMNS:
            expected, got = full.communes[f"{name}_{kind}"].to_numpy(), after[name]
            if name.startswith("access"):
                np.testing.assert_allclose(got, expected.astype(float), rtol=1e-9, atol=1e-12, err_msg=f"{kind} {name}")
            elif name == "nearest_km":
                np.testing.assert_array_equal(got, expected.astype(float), err_msg=kind)
            else:
                same = (pd.isna(got) & pd.isna(expected)) | (got == expected)
                assert same.all(), (kind, name, np.flatnonzero(~same)[:5])


# --- the rules on two worked cases ------------------------------------------------------------------


def test_adding_a_competent_site_in_a_gap_makes_it_served_and_counts_move_by_the_changes(
    complete_cri, complete_planner
):
    real, planner = complete_cri, complete_planner
    gaps = real.communes.index[real.communes[f"status_{INTEGRATION}"] == "gap"]
    nis = gaps[0]
    result = planner.apply(Scenario.parse([f"add:{INTEGRATION}@{nis}"]))
    summary, affected = result.summary[INTEGRATION], result.affected
    row = affected.set_index("nis").loc[nis]
    assert row["status_before"] == "gap" and row["status_after"] == "served" and row["nearest_km_after"] == 0
    assert row["reach"] == "gained" and result.changes[0]["network"] == "cri-wallonie"
    before, after = summary["counts"]["before"], summary["counts"]["after"]
    assert before == real.status_counts([INTEGRATION])[INTEGRATION]
    for status in ("served", "gap", "unknown"):
        moved = int((affected["status_after"] == status).sum() - (affected["status_before"] == status).sum())
        assert after[status] - before[status] == moved
    changed = affected[affected["status_before"] != affected["status_after"]]
    assert summary["transitions"] == {"gap→served": len(changed)} and len(changed) >= 1
    assert summary["foreign_residents_gained"] == int(changed["foreign_residents"].sum()) > 0
    assert summary["residents_lost"] == 0
    # communes whose nearest competent site is unaffected keep their status and distance
    untouched = real.communes.index.difference(affected["nis"])
    after_status = pd.Series(result.columns[INTEGRATION]["status"], index=real.communes.index)
    assert (after_status[untouched] == real.communes.loc[untouched, f"status_{INTEGRATION}"]).all()


def test_closing_crilux_leaves_its_territory_without_a_mandated_cri(inputs, complete_cri, complete_planner):
    """CRILUX is the only CRI whose service area holds the province of Luxembourg. The CRI list
    stays complete (frozen), but no remaining site's mandate covers those communes, and the rule
    of status.competence calls a commune no recorded mandate covers ``unknown``, not ``gap``."""
    real, planner = complete_cri, complete_planner
    areas = inputs.catalogue.service_areas
    territory = set(areas.loc[areas["initiative_id"] == "cri-crilux", "nis"])
    assert "84016" in territory and real.communes.loc["84016", f"status_{INTEGRATION}"] == "gap"  # Daverdisse
    result = planner.apply(Scenario.parse(["close:cri-crilux-libramont"]))
    after = pd.Series(result.columns[INTEGRATION]["status"], index=real.communes.index)
    complete = pd.Series(result.columns[INTEGRATION]["network_complete"], index=real.communes.index)
    assert (after[list(territory)] == "unknown").all() and not complete[list(territory)].any()
    outside = real.communes.index.difference(list(territory))
    assert (after[outside] == real.communes.loc[outside, f"status_{INTEGRATION}"]).all()
    assert (
        set(result.affected.loc[result.affected["status_before"] != result.affected["status_after"], "nis"])
        <= territory
    )
    assert result.summary[INTEGRATION]["residents_lost"] > 0 and result.summary[INTEGRATION]["residents_gained"] == 0


def test_capacity_changes_access_but_no_status(real, planner):
    result = planner.apply(Scenario.parse(["capacity:forem-carrefour-metiers-huy=4"]))
    affected = result.affected
    assert len(affected) and (affected["status_before"] == affected["status_after"]).all()
    assert (affected["access_2sfca_change"] > 0).any()


# --- incremental equals full recompute ----------------------------------------------------------------


@st.composite
def scenarios(draw, communes, sites):
    changes = []
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["add", "add", "close", "kind", "capacity"]))
        if op == "add":
            changes.append(Change("add", kind=draw(st.sampled_from(DESERT_KINDS)), nis=draw(st.sampled_from(communes))))
        elif op == "close":
            changes.append(Change("close", site=draw(st.sampled_from(sites))))
        elif op == "kind":
            changes.append(Change("kind", site=draw(st.sampled_from(sites)), kind=draw(st.sampled_from(DESERT_KINDS))))
        else:
            changes.append(
                Change("capacity", site=draw(st.sampled_from(sites)), capacity=draw(st.sampled_from([1.0, 2.0, 7.0])))
            )
    return Scenario(tuple(changes))


@pytest.fixture(scope="module")
def measured_sites(planner):
    sites = planner.sites
    return (
        sorted(sites.index[sites["kind"].isin(DESERT_KINDS) & (sites["kind"] != "social_welfare")])
        + sorted(sites.index[sites["kind"] == "social_welfare"])[:20]
    )


@hsettings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
@pytest.mark.slow
def test_incremental_equals_full_recompute(inputs, real, planner, measured_sites, data):
    scenario = data.draw(scenarios(list(real.communes.index), measured_sites))
    try:
        result = planner.apply(scenario)
    except InvalidParameter:
        assume(False)  # e.g. a site closed twice, or a commune no competent mandate covers
    full = full_recompute(inputs, real, changed_catalogue(inputs.catalogue, result))
    assert_same(full, result, result.columns)
    untouched = [k for k in DESERT_KINDS if k not in result.columns]
    for kind in untouched:
        pd.testing.assert_series_equal(full.communes[f"status_{kind}"], real.communes[f"status_{kind}"])


@pytest.mark.slow
def test_a_new_site_at_a_clicked_point_equals_the_full_recompute(inputs, real, planner):
    result = planner.apply(
        Scenario.parse(
            [f"add:{EMPLOYMENT}@50.63,5.57", "close:vdab-hasselt", f"kind:cri-crilux-libramont={EMPLOYMENT}"]
        )
    )
    assert result.new_sites[0].nis == "62063"  # Liège
    assert_same(full_recompute(inputs, real, changed_catalogue(inputs.catalogue, result)), result, result.columns)


# --- a scenario is held in the URL and touches nothing stored -------------------------------------------


@given(
    st.lists(
        st.one_of(
            st.builds(
                lambda k, n: Change("add", kind=k, nis=n),
                st.sampled_from(DESERT_KINDS),
                st.from_regex(r"\d{5}", fullmatch=True),
            ),
            st.builds(
                lambda k, lat, lon: Change("add", kind=k, lat=round(lat, 5), lon=round(lon, 5)),
                st.sampled_from(DESERT_KINDS),
                st.floats(49.4, 51.6),
                st.floats(2.5, 6.5),
            ),
            st.builds(lambda s: Change("close", site=s), st.from_regex(r"[a-z0-9][a-z0-9-]{0,30}", fullmatch=True)),
            st.builds(
                lambda s, c: Change("capacity", site=s, capacity=c),
                st.just("vdab-hasselt"),
                st.sampled_from([1.0, 3.0, 12.0, 9999.0]),
            ),
        ),
        max_size=MAX_CHANGES,
    )
)
def test_the_url_round_trips_a_scenario(changes):
    from urllib.parse import parse_qs

    scenario = Scenario(tuple(changes))
    assert Scenario.parse(scenario.tokens) == scenario
    assert Scenario.parse(parse_qs(scenario.query(kind=INTEGRATION)).get("change", [])) == scenario


def test_bad_scenarios_give_one_message_per_change(planner):
    bad = [
        "add:spaceship@62096",
        f"add:{INTEGRATION}@99999",
        "close:no-such-site",
        f"add:{INTEGRATION}@48.85,2.35",
        "teleport:x",
        "capacity:vdab-hasselt=0",
    ]
    with pytest.raises(InvalidParameter) as syntax:
        Scenario.parse(bad)
    errors = syntax.value.details["errors"]
    assert len(errors) == 2 and "teleport" in errors[0] and "capacity:vdab-hasselt=0" in errors[1]
    with pytest.raises(InvalidParameter) as caught:
        planner.parse(bad)  # form and snapshot checked together: every bad change, in URL order
    errors = caught.value.details["errors"]
    assert len(errors) == 6 and caught.value.status == 400
    for number, needle in enumerate(
        (
            "unknown kind 'spaceship'",
            "unknown commune '99999'",
            "unknown site 'no-such-site'",
            "outside Belgium",
            "not a change",
            "not a change",
        ),
        1,
    ):
        assert errors[number - 1].startswith(f"change {number} ") and needle in errors[number - 1], errors
    with pytest.raises(InvalidParameter, match=f"too many changes: 11, at most {MAX_CHANGES}"):
        Scenario.parse([f"add:{INTEGRATION}@62063"] * 11)


def test_changes_that_change_nothing_are_answered_not_refused(real, planner):
    """Well-formed changes naming known things are accepted, and say when they change nothing: a
    site where no competent network has a mandate (Tournai: no CRI is recorded for Wallonie
    picarde) serves no one; a site closed twice, or given its own kind, changes nothing more."""
    assert real.communes.loc["57081", f"status_{INTEGRATION}"] == "unknown"
    result = planner.apply(
        Scenario.parse(
            [f"add:{INTEGRATION}@57081", "close:vdab-hasselt", "close:vdab-hasselt", f"kind:vdab-gent={EMPLOYMENT}"]
        )
    )
    assert [c["effect"] for c in result.changes] == ["serves_no_one", "changes", "already_closed", "same_kind"]
    assert INTEGRATION in result.columns and result.affected[result.affected["kind"] == INTEGRATION].empty
    alone = planner.apply(Scenario.parse(["close:vdab-hasselt"]))
    pd.testing.assert_frame_equal(
        result.affected[result.affected["kind"] == EMPLOYMENT].reset_index(drop=True),
        alone.affected.reset_index(drop=True),
        check_dtype=False,
    )


def test_a_scenario_never_changes_the_catalogue_or_the_indicators(inputs, real, planner):
    fingerprint, table = catalogue_fingerprint(inputs.catalogue), real.communes.copy()
    planner.apply(Scenario.parse(["close:cri-crilux-libramont", f"add:{INTEGRATION}@84016", "capacity:vdab-hasselt=3"]))
    assert catalogue_fingerprint(inputs.catalogue) == fingerprint
    pd.testing.assert_frame_equal(real.communes, table)


# --- the page, its downloads and the links to it --------------------------------------------------------

PUBLISHED = (
    "/downloads/sites.geojson",
    "/downloads/sites.csv",
    "/downloads/communes.csv",
    "/collections/communes/items?limit=1000",
    "/map/gaps?kind=civic_integration_office&lang=en",
)


@pytest.mark.slow
def test_the_page_and_downloads_never_change_what_is_published(client):
    before = {url: client.get(url) for url in PUBLISHED}
    assert all(r.status_code == 200 for r in before.values()), {u: r.status_code for u, r in before.items()}
    for url in (
        "/plan?change=close:cri-crilux-libramont&change=add:civic_integration_office@84016&lang=en",
        "/plan.csv?change=close:cri-crilux-libramont",
        "/plan.geojson?change=capacity:vdab-hasselt=5",
    ):
        assert client.get(url).status_code == 200, url
    for url, response in before.items():
        again = client.get(url)
        assert again.data == response.data and again.headers.get("ETag") == response.headers.get("ETag"), url


@pytest.mark.parametrize(
    "lang,words",
    [
        ("fr", ("Effet du scénario", "avec les changements")),
        ("nl", ("Effect van het scenario", "met de wijzigingen")),
        ("en", ("Effect of the scenario", "with the changes")),
    ],
)
@pytest.mark.slow
def test_the_page_shows_before_and_after_in_each_language(client, lang, words):
    page = client.get(f"/plan?change=add:civic_integration_office@84016&lang={lang}")
    html = page.data.decode()
    assert page.status_code == 200 and all(w in html for w in words)
    assert 'data-nis="84016"' in html  # Daverdisse, not served, appears among the changed communes
    assert "/static/plan.js" in html and "change=add%3Acivic_integration_office%4084016" in html


def test_the_page_links_keep_the_scenario_in_the_url(client):
    from urllib.parse import parse_qs, urlsplit

    added = client.get("/plan?kind=civic_integration_office&change=close:cri-crilux-libramont&at=84016&lang=en")
    assert added.status_code == 303
    query = parse_qs(urlsplit(added.headers["Location"]).query)
    assert query["change"] == ["close:cri-crilux-libramont", "add:civic_integration_office@84016"]
    html = client.get(added.headers["Location"]).data.decode()
    removes = [a.split('"')[0].replace("&amp;", "&") for a in html.split('class="remove" href="')[1:]]
    assert [parse_qs(urlsplit(r).query)["change"] for r in removes] == [
        ["add:civic_integration_office@84016"],
        ["close:cri-crilux-libramont"],
    ]


def test_bad_scenarios_get_400_with_a_message_per_change(client):
    response = client.get(
        "/plan.geojson?change=add:spaceship@62096&change=close:no-such-site"
        "&change=add:civic_integration_office@48.85,2.35",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    errors = response.get_json()["details"]["errors"]
    assert (
        len(errors) == 3 and "spaceship" in errors[0] and "no-such-site" in errors[1] and "outside Belgium" in errors[2]
    )
    page = client.get("/plan?" + "&".join(["change=close:vdab-hasselt"] * 11))
    assert page.status_code == 400 and b"too many changes" in page.data


def test_downloads_list_the_affected_communes(client, real):
    import csv
    import io

    rows = list(
        csv.DictReader(io.StringIO(client.get("/plan.csv?change=add:civic_integration_office@84016").data.decode()))
    )
    assert rows and {r["kind"] for r in rows} == {INTEGRATION}
    daverdisse = next(r for r in rows if r["nis"] == "84016")
    assert (daverdisse["status_before"], daverdisse["status_after"]) == ("unknown", "served")
    geo = client.get("/plan.geojson?change=add:civic_integration_office@84016").get_json()
    assert len(geo["features"]) == len(rows) and all(f["geometry"] for f in geo["features"])
    assert geo["summary"][INTEGRATION]["counts"]["before"] == real.status_counts([INTEGRATION])[INTEGRATION]


def test_commune_page_and_gaps_map_link_to_a_scenario(client):
    commune = client.get("/commune/84016?lang=en").data.decode()  # Daverdisse: not served for civic integration
    assert "/plan?kind=civic_integration_office&amp;change=add:civic_integration_office@84016" in commune
    gaps = client.get("/map/gaps?kind=civic_integration_office&lang=en").data.decode()
    # no integration network is complete (the CRIs' bureaux d'accueil are not all known): no suggestion to add
    assert 'class="add-suggested"' not in gaps and "None shown: no network of this kind is complete" in gaps


def test_the_api_answers_a_scenario_and_is_documented(client):
    response = client.get("/api/scenario?change=add:civic_integration_office@84016&change=close:vdab-hasselt")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    doc = response.get_json()
    assert doc["scenario"] == ["add:civic_integration_office@84016", "close:vdab-hasselt"]
    assert set(doc["summary"]) == {INTEGRATION, EMPLOYMENT}
    daverdisse = next(c for c in doc["communes"] if c["nis"] == "84016" and c["kind"] == INTEGRATION)
    assert (daverdisse["status_before"], daverdisse["status_after"], daverdisse["nearest_km_after"]) == (
        "unknown",
        "served",
        0.0,
    )
    assert (
        client.get(response.request.full_path, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    )
    bad = client.get("/api/scenario?change=add:spaceship@1&change=close:nope&change=kind:vdab-hasselt=moon")  # 1: form
    assert bad.status_code == 400 and len(bad.get_json()["details"]["errors"]) == 3
    assert client.get("/api/scenario?change=close:vdab-hasselt&colour=red").status_code == 400
    path = client.get("/api?f=json").get_json()["paths"]["/api/scenario"]["get"]
    assert path["parameters"][0]["name"] == "change" and "400" in path["responses"]
