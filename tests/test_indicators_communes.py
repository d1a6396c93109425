"""Indicators on the real 2025 communes: a small synthetic catalogue for exact checks, and the
project catalogue for completeness (every commune gets every indicator or a reason)."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo_service.catalogue.vocab import KINDS, THEMES
from geo_service.errors import InvalidParameter
from geo_service.indicators import IndicatorParams, compute_indicators
from geo_service.indicators.distances import commune_points, distance_km

BRUSSELS, LIEGE, NAMUR, OOSTENDE = "21004", "62063", "92094", "35013"


def synthetic_catalogue(communes: gpd.GeoDataFrame, placements: list[tuple[str, str, str, str]], mandate=None):
    """placements: (site id, initiative id, kind, nis); sites at the commune's representative point;
    ``mandate``: the communes office-liege serves (default: every commune but Oostende)."""
    points = shapely.point_on_surface(communes.geometry.loc[[p[3] for p in placements]].values)
    sites = gpd.GeoDataFrame(
        {
            "initiative_id": [p[1] for p in placements],
            "name": [f"Synthetic {p[0]}" for p in placements],
            "kind": [p[2] for p in placements],
            "themes": [["language"] for _ in placements],
            "nis": [p[3] for p in placements],
            "place": [None for _ in placements],
            "status": ["active"] * (len(placements) - 1) + ["closed"],
        },
        geometry=list(points),
        index=pd.Index([p[0] for p in placements], name="id"),
        crs="EPSG:31370",
    )
    initiatives = (
        pd.DataFrame(
            {"kind": [p[2] for p in placements], "status": "active"},
            index=pd.Index([p[1] for p in placements], name="id"),
        )
        .groupby(level=0)
        .first()
    )
    mandate = [n for n in communes.index if n != OOSTENDE] if mandate is None else mandate
    areas = pd.DataFrame({"area_id": "a1", "initiative_id": "office-liege", "site_id": None, "nis": mandate})
    return SimpleNamespace(initiatives=initiatives, sites=sites, service_areas=areas)


@pytest.fixture(scope="module")
def synthetic(base, settings):
    catalogue = synthetic_catalogue(
        base.boundaries.communes,
        [
            ("s1", "office-liege", "civic_integration_office", LIEGE),
            ("s2", "group-namur", "citizen_initiative", NAMUR),
            ("s3", "group-closed", "citizen_initiative", BRUSSELS),  # closed: ignored
        ],
    )
    return compute_indicators(base, catalogue, settings, use_cache=False, register_entries=SYNTHETIC_REGISTER)


# The synthetic office's network: complete (1 of 1 site) over all of Belgium.
SYNTHETIC_REGISTER = [
    {
        "id": "office-network",
        "name": "Synthetic offices",
        "kind": "civic_integration_office",
        "initiatives": ["office-liege"],
        "stated_count": 1,
        "sources": [{"url": "https://example.org"}],
        "include": ["region:02000", "region:03000", "region:04000"],
    }
]


def test_brussels_to_liege_is_metric_and_plausible(synthetic):
    km = synthetic.communes.loc[BRUSSELS, "nearest_km_civic_integration_office"]
    assert 85 <= km <= 95
    assert synthetic.communes.loc[LIEGE, "nearest_km_civic_integration_office"] == 0


def test_nearest_site_matches_an_independent_distance(base, synthetic):
    communes = base.boundaries.communes
    points = commune_points(communes)
    target = points[communes.index.get_loc(LIEGE)]
    expected = np.hypot(*(points - target).T) / 1000
    mandated = synthetic.communes.index != OOSTENDE  # outside office-liege's mandate: no competent site
    assert np.allclose(
        synthetic.communes["nearest_km_civic_integration_office"].to_numpy()[mandated], expected[mandated], atol=0.01
    )
    assert (synthetic.communes.loc[mandated, "nearest_site_civic_integration_office"] == "s1").all()
    assert pd.isna(synthetic.communes.loc[OOSTENDE, "nearest_km_civic_integration_office"])


def test_closed_sites_are_ignored_and_coverage_counts(synthetic):
    c = synthetic.communes
    assert c.loc[BRUSSELS, "sites_present"] == 0
    assert c.loc[NAMUR, "initiatives_present"] == 1 and c.loc[NAMUR, "sites_present_citizen_initiative"] == 1
    assert (
        c.loc[NAMUR, "mandated_civic_integration_office"] == 1
        and c.loc[OOSTENDE, "mandated_civic_integration_office"] == 0
    )
    assert c["sites_present"].sum() == 2
    assert c.loc[NAMUR, "initiatives_per_10k"] == pytest.approx(1e4 / c.loc[NAMUR, "pop_total"])
    assert c.loc[NAMUR, "initiatives_per_1k_foreign"] == pytest.approx(1e3 / c.loc[NAMUR, "foreign_residents"])


@pytest.mark.slow
def test_statuses_follow_competence_and_completeness(base, settings, synthetic):
    c = synthetic.communes
    # Liège has the office; Namur (~50 km) is a gap of the complete network although it has a citizen
    # initiative (a kind's status depends on that kind only)
    assert c.loc[LIEGE, "status_civic_integration_office"] == "served"
    assert c.loc[NAMUR, "status_civic_integration_office"] == "gap"
    assert c.loc[NAMUR, "sites_present_citizen_initiative"] == 1
    reason = c.loc[NAMUR, "status_reason_civic_integration_office"]
    assert "(Synthetic s1, Liège)" in reason and "beyond 15 km" in reason and "complete (1 of 1 sites)" in reason
    far = c["nearest_km_civic_integration_office"] > 15
    assert (c.loc[far, "status_civic_integration_office"] == "gap").all()
    assert (c.loc[c["nearest_km_civic_integration_office"] <= 15, "status_civic_integration_office"] == "served").all()
    # Oostende lies in the network's area but no recorded mandate covers it: a hole in the data, not a gap
    assert c.loc[OOSTENDE, "status_civic_integration_office"] == "unknown"
    # the same office in a network that states 3 sites: "not within reach" is no longer a gap
    partial = [dict(SYNTHETIC_REGISTER[0], stated_count=3)]
    catalogue = synthetic_catalogue(
        base.boundaries.communes,
        [
            ("s1", "office-liege", "civic_integration_office", LIEGE),
            ("s3", "group-closed", "citizen_initiative", BRUSSELS),
        ],
    )
    p = compute_indicators(base, catalogue, settings, use_cache=False, register_entries=partial).communes
    assert p.loc[NAMUR, "status_civic_integration_office"] == "unknown"
    assert (p.loc[far, "status_civic_integration_office"] == "unknown").all()
    assert "holds 1 of the 3 sites" in p.loc[NAMUR, "status_reason_civic_integration_office"]
    # outside every network of the kind: unknown, and no "nearest competent" site
    narrow = [dict(SYNTHETIC_REGISTER[0], include=[f"commune:{LIEGE}", f"commune:{NAMUR}"])]
    n = compute_indicators(base, catalogue, settings, use_cache=False, register_entries=narrow).communes
    assert n.loc[BRUSSELS, "status_civic_integration_office"] == "unknown"
    assert pd.isna(n.loc[BRUSSELS, "nearest_km_civic_integration_office"])
    assert "no network" in n.loc[BRUSSELS, "status_reason_civic_integration_office"]
    assert n.loc[NAMUR, "status_civic_integration_office"] == "gap"


def test_province_status_counts_add_up(base, synthetic):
    for kind in ("civic_integration_office", "citizen_initiative"):
        statuses = synthetic.communes[f"status_{kind}"]
        for value in ("served", "gap", "unknown"):
            by_province = (statuses == value).groupby(base.boundaries.communes["province"]).sum()
            assert (synthetic.provinces[f"{value}_{kind}"] == by_province.reindex(synthetic.provinces.index)).all()
        assert synthetic.provinces[[f"{v}_{kind}" for v in ("served", "gap", "unknown")]].to_numpy().sum() == 565
    # no citizens' network in the synthetic register: nothing can be called a gap
    assert synthetic.provinces["gap_citizen_initiative"].sum() == 0
    # reception judges no commune (issue 22): not assessed everywhere, and no province counts
    assert synthetic.communes["status_reception_centre"].eq("not_assessed").all()
    assert not any(c.endswith("_reception_centre") and c.startswith(("served", "gap")) for c in synthetic.provinces)


def test_access_scores_only_within_the_catchment(synthetic):
    c = synthetic.communes
    inside = c["nearest_km_civic_integration_office"] <= 30
    assert (c.loc[inside, "access_2sfca_civic_integration_office"] > 0).all()
    assert (c.loc[~inside, "access_2sfca_civic_integration_office"] == 0).all()
    # one site: 2SFCA = 1 / foreign residents within 30 km, per 10,000, for every commune inside
    expected = 1e4 / c.loc[inside, "foreign_residents"].sum()
    assert np.allclose(c.loc[inside, "access_2sfca_civic_integration_office"], expected)


@pytest.mark.slow
def test_suggestions_beat_or_match_a_greedy_choice(base, synthetic):
    result = synthetic.suggest("civic_integration_office", 3)
    assert len(result) == 3 and result["nis"].is_unique
    c = synthetic.communes
    dist = distance_km(synthetic.points, synthetic.points)
    uncovered = (c["nearest_km_civic_integration_office"] > 15).to_numpy()
    weight = np.where(uncovered, c["foreign_residents"].to_numpy(float), 0)
    chosen = [base.boundaries.communes.index.get_loc(n) for n in result["nis"]]
    covered = (dist[:, chosen] <= 15).any(axis=1)
    assert result["total_gain"].iloc[0] == pytest.approx(weight[covered].sum())
    assert result["gain"].sum() == pytest.approx(weight[covered].sum())
    greedy, reached = [], np.zeros(len(c), dtype=bool)
    for _ in range(3):
        best = int(np.argmax(((dist <= 15) & ~reached[:, None]).T @ weight))
        greedy.append(best)
        reached |= dist[:, best] <= 15
    assert weight[covered].sum() >= weight[reached].sum() - 1e-6


def test_suggestion_parameters_are_checked(synthetic, monkeypatch):
    import geo_service.indicators as indicators_module
    from geo_service.indicators import location

    # a bad request is refused before the distances between every pair of communes are computed
    # or the solver is run (importing spopt and PuLP alone takes seconds)
    def not_reached(*args, **kwargs):
        raise AssertionError("computed before the parameters were checked")

    monkeypatch.setattr(indicators_module, "distance_km", not_reached)
    monkeypatch.setattr(indicators_module, "suggest_sites", not_reached)
    with pytest.raises(InvalidParameter) as kind:
        synthetic.suggest("spaceport", 3)
    assert kind.value.details["parameter"] == "kind"
    for k in (0, location.MAX_K + 1, 2.5, True):
        with pytest.raises(InvalidParameter) as error:
            synthetic.suggest("reception_centre", k)
        assert error.value.details["parameter"] == "k" and "between 1 and" in str(error.value)
    with pytest.raises(InvalidParameter) as radius:
        synthetic.suggest("reception_centre", 3, radius_km=-1)
    assert radius.value.details["parameter"] == "radius_km"


@pytest.fixture(scope="module")
def real(base, settings):
    from geo_service.catalogue import load_catalogue

    catalogue = load_catalogue(base.boundaries, settings=settings)
    if catalogue is None:
        pytest.fail("load_catalogue returned None")
    return compute_indicators(base, catalogue, settings, use_cache=False)


def _contract_columns(kinds):
    columns = [
        "pop_total",
        "pop_year",
        "foreign_residents",
        "belgian_residents",
        "foreign_share",
        "nationality_year",
        "initiatives_present",
        "sites_present",
        "initiatives_mandated",
        "initiatives_per_10k",
        "initiatives_per_1k_foreign",
        "employment_gap_pp",
        "employment_gap_concept",
        "employment_gap_year",
        "employment_gap_age_band",
        "need_class",
        "support_class",
        "bivariate_class",
        "high_need_low_support",
    ]
    for k in kinds:
        columns += [
            f"sites_present_{k}",
            f"mandated_{k}",
            f"nearest_km_{k}",
            f"nearest_site_{k}",
            f"nearest_name_{k}",
            f"access_2sfca_{k}",
            f"access_e2sfca_{k}",
            f"status_{k}",
            f"status_reason_{k}",
            f"networks_{k}",
            f"network_complete_{k}",
        ]
    return columns + [f"initiatives_theme_{t}" for t in THEMES]


def test_every_commune_gets_every_indicator_or_a_reason(base, real):
    c = real.communes
    assert list(c.index) == list(base.boundaries.communes.index) and len(c) == 565
    for column in _contract_columns(KINDS):
        assert column in c.columns, column
        missing = c[column].isna()
        if column.startswith("status_reason_"):  # a kind not assessed is explained once, in the metadata
            kind = column[len("status_reason_") :]
            assert (c.loc[missing, f"status_{kind}"] == "not_assessed").all(), column
            assert not missing.any() or "not_assessed" in real.metadata[f"status_{kind}"]["method"], column
            continue
        if missing.any():
            reason = f"{column}_missing_reason" if f"{column}_missing_reason" in c else None
            if column.startswith(("nearest_site_", "nearest_name_")):
                reason = "nearest_km_" + column.split("_", 2)[2] + "_missing_reason"
            assert reason and c.loc[missing, reason].notna().all(), column
    for column in c.columns:  # flat scalar columns only
        assert not c[column].map(lambda v: isinstance(v, list | dict | tuple | set)).any(), column
    assert c["nationality_year"].eq(2015).all() and c["pop_year"].eq(2025).all()
    assert set(c["bivariate_class"]) <= {f"{n}-{s}" for n in (1, 2, 3) for s in (1, 2, 3)}
    assert c["high_need_low_support"].sum() == (c["bivariate_class"] == "3-1").sum() > 0


def test_real_catalogue_tables_and_metadata(real):
    assert len(real.provinces) == 11 and real.provinces["employment_gap_pp"].notna().all()
    assert set(real.regions.index) == {"02000", "03000", "04000"}
    assert real.regions["gap_nationals_non_eu_pp"].notna().all()
    for column in (
        "foreign_share",
        "nearest_km_civic_integration_office",
        "access_e2sfca_ngo_service",
        "status_reception_centre",
    ):
        assert {"label", "unit", "year", "source", "method"} <= set(real.metadata[column])
    assert real.params["desert_km"] == IndicatorParams().desert_km


def test_parameters_change_the_result(base, settings, real):
    wider = compute_indicators(base, None, settings, params=IndicatorParams(desert_km=200), use_cache=False)
    assert wider.params["desert_km"] == 200
    # no catalogue, so no network is known: nothing is a gap, every status is unknown and says why
    assert wider.communes["status_civic_integration_office"].eq("unknown").all()
    assert wider.communes["status_reason_civic_integration_office"].str.startswith("no network of").all()


@pytest.mark.slow
def test_cached_result_follows_the_catalogue(base, settings):
    from geo_service.indicators import catalogue_fingerprint

    placements = [("s1", "office", "reception_centre", LIEGE), ("s9", "gone", "reception_centre", NAMUR)]
    catalogue = synthetic_catalogue(base.boundaries.communes, placements)
    first = compute_indicators(base, catalogue, settings, register_entries=[])
    again = compute_indicators(base, catalogue, settings, register_entries=[])
    pd.testing.assert_frame_equal(first.communes, again.communes)
    moved = synthetic_catalogue(base.boundaries.communes, [("s1", "office", "reception_centre", NAMUR), placements[1]])
    assert catalogue_fingerprint(moved) != catalogue_fingerprint(catalogue)
    changed = compute_indicators(base, moved, settings, register_entries=[])
    assert first.communes.loc[LIEGE, "nearest_km_reception_centre"] == 0
    assert changed.communes.loc[NAMUR, "nearest_km_reception_centre"] == 0
    assert changed.communes.loc[LIEGE, "nearest_km_reception_centre"] > 40


def test_suggestions_are_keyed_by_the_problem_they_solve(synthetic):
    """The solution of a kind is reused while what the MCLP solves for it is unchanged: not when
    a commune of its complete network is brought within reach, nor for another k or radius."""
    from dataclasses import replace

    kind = "civic_integration_office"
    key = synthetic.suggestion_key(kind, 3)
    assert key == synthetic.suggestion_key(kind, 3) and len(key) == 20
    # another kind's figures change (a citizens' initiative approved): the same problem
    other = replace(synthetic, communes=synthetic.communes.assign(nearest_km_citizen_initiative=0.0))
    assert other.suggestion_key(kind, 3) == key
    # a commune out of reach of the office gets a site of the kind: another problem
    far = synthetic.communes[f"nearest_km_{kind}"].idxmax()
    assert synthetic.communes.loc[far, f"nearest_km_{kind}"] > 15
    reached = synthetic.communes.copy()
    reached.loc[far, f"nearest_km_{kind}"] = 1.0
    assert replace(synthetic, communes=reached).suggestion_key(kind, 3) != key
    assert synthetic.suggestion_key(kind, 4) != key
    assert synthetic.suggestion_key(kind, 3, radius_km=20) != key
    # a kind without a complete network: nothing to solve, whatever its figures
    assert synthetic.suggestion_key("citizen_initiative", 3) == other.suggestion_key("citizen_initiative", 3)
