"""Hand-computed small cases for coverage, nearest distance, 2SFCA / E2SFCA, statuses and classes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo_service.errors import InvalidParameter
from geo_service.indicators import bivariate, status
from geo_service.indicators.access import fca, fca_loop, fca_pysal, step_weights
from geo_service.indicators.coverage import commune_coverage, per
from geo_service.indicators.distances import distance_km
from geo_service.indicators.params import IndicatorParams

# Two communes A, B and two sites X, Y; distances in km chosen for hand computation.
DIST = np.array([[5.0, 25.0], [12.0, 8.0]])
DEMAND = np.array([100.0, 300.0])
SUPPLY = np.array([1.0, 1.0])


def test_2sfca_by_hand():
    # X reaches A and B (400 people): R_X = 1/400; Y reaches only B (25 km > 20): R_Y = 1/300.
    scores = fca(DEMAND, SUPPLY, DIST, catchment_km=20)
    assert scores == pytest.approx([1 / 400, 1 / 400 + 1 / 300])


def test_e2sfca_by_hand():
    # weights: <= 10 km -> 1, <= 20 km -> 0.5. X: 100*1 + 300*0.5 = 250; Y: 300*1.
    steps = ((10.0, 1.0), (20.0, 0.5))
    scores = fca(DEMAND, SUPPLY, DIST, catchment_km=20, steps=steps)
    assert scores == pytest.approx([1 / 250, 0.5 / 250 + 1 / 300])


def test_step_weights_bounds_are_inclusive():
    steps = ((10.0, 1.0), (20.0, 0.68), (30.0, 0.22))
    assert list(step_weights(np.array([0, 10, 10.01, 20, 30, 30.5]), steps)) == [1, 1, 0.68, 0.68, 0.22, 0]


def test_site_without_demand_offers_nothing_instead_of_infinity():
    dist = np.array([[5.0, 50.0]])
    assert fca(np.array([10.0]), np.array([1.0, 1.0]), dist, catchment_km=20) == pytest.approx([0.1])


@pytest.mark.parametrize("steps", [None, ((10.0, 1.0), (20.0, 0.68), (30.0, 0.22))])
def test_fca_equals_pysal_access_on_the_same_inputs(steps):
    rng = np.random.default_rng(7)
    dist = rng.uniform(0, 60, size=(60, 25))
    dist[:, 0] = 1.0  # every origin reaches at least one site, every site some demand
    demand = pd.Series(rng.integers(1, 5000, 60).astype(float), index=[f"c{i}" for i in range(60)])
    supply = pd.Series(rng.integers(1, 4, 25).astype(float), index=[f"s{j}" for j in range(25)])
    ours = fca(demand.values, supply.values, dist, 30.0, steps)
    theirs = fca_pysal(demand, supply, dist, 30.0, steps)
    assert np.allclose(ours, theirs.values, rtol=1e-12, atol=0)
    assert np.allclose(ours, fca_loop(demand.values, supply.values, dist, 30.0, steps))
    assert (ours > 0).all()


def test_distance_is_metric_km():
    origins = np.array([[0.0, 0.0], [10_000.0, 0.0]])
    sites = np.array([[3_000.0, 4_000.0]])
    assert distance_km(origins, sites)[:, 0] == pytest.approx([5.0, np.hypot(7, 4)])


def test_nearest_and_empty_kind():
    km, pos = status.nearest(np.array([[7.0, 2.0, 9.0], [1.0, 4.0, 3.0]]))
    assert list(km) == [2.0, 1.0] and list(pos) == [1, 0]
    km, pos = status.nearest(np.empty((2, 0)))
    assert np.isnan(km).all() and list(pos) == [-1, -1]
    km, pos = status.nearest(np.array([[np.inf, 4.0], [np.inf, np.inf]]))  # inf = not competent
    assert km[0] == 4.0 and np.isnan(km[1]) and list(pos) == [1, -1]


def test_status_rule():
    nearest = np.array([23.4, 10.0, np.nan, 23.4, 15.0])
    complete = np.array([True, True, True, False, False])
    assert list(status.status(nearest, complete, 15)) == ["gap", "served", "gap", "unknown", "served"]


def test_explanations_in_words_and_figures():
    def facts(state, km, known=8, expected=8, lower=False, network="CRIs"):
        return status.Facts(
            "civic_integration_office", state, km, "Office X, Liège", network, known, expected, lower, 15
        )

    assert (
        status.explain(facts("served", 3.04))
        == "nearest civic-integration office: 3.0 km (Office X, Liège), within 15 km"
    )
    gap = status.explain(facts("gap", 23.44))
    assert "23.4 km (Office X, Liège), beyond 15 km" in gap and "complete (8 of 8 sites)" in gap
    partial = status.explain(facts("unknown", 23.44, known=5, expected=138))
    assert "holds 5 of the 138 sites" in partial and partial.endswith("so a closer one may exist")
    assert "more than 1000" in status.explain(facts("unknown", 20.0, known=31, expected=1000, lower=True))
    assert "is known to serve this commune" in status.explain(facts("unknown", None))
    assert "not known" in status.explain(facts("unknown", 40.0, expected=None))
    assert status.explain(facts("unknown", None, network="")).startswith("no network of civic-integration office")
    french = {
        "nearest %(kind)s: %(km)s km (%(site)s), within %(reach)s km": "%(kind)s le plus proche : %(km)s km (%(site)s)"
    }
    assert status.explain(facts("served", 3.04), t=lambda m: french.get(m, m)).endswith("3.0 km (Office X, Liège)")


def test_terciles_and_ties():
    assert list(bivariate.terciles(pd.Series([6, 1, 2, 3, 4, 5]))) == [3, 1, 1, 2, 2, 3]
    # three tied zeros share rank 2 of 6 (= 1/3): all in the lowest class
    assert list(bivariate.terciles(pd.Series([0, 0, 0, 1, 2, 3]))) == [1, 1, 1, 2, 3, 3]


def test_bivariate_classes_and_high_need_low_support():
    need = pd.Series([0.9, 0.8, 0.1, 0.5, 0.2, 0.7], index=list("abcdef"))
    support = pd.Series([0.0, 5.0, 0.1, 3.0, 4.0, 0.2], index=list("abcdef"))
    out = bivariate.classify(need, support)
    # need ranks: a 6, b 5, f 4, d 3, e 2, c 1 -> classes 3 3 2 2 1 1; support: a 1, c 2, f 3, d 4, e 5, b 6
    assert out.loc["a", "bivariate_class"] == "3-1" and bool(out.loc["a", "high_need_low_support"])
    assert out.loc["b", "bivariate_class"] == "3-3"
    assert out.loc["c", "bivariate_class"] == "1-1"
    assert out["high_need_low_support"].tolist() == [True, False, False, False, False, False]


def test_need_index_uses_share_alone_when_the_gap_is_missing():
    share = pd.Series([0.1, 0.2, 0.3])
    gap = pd.Series([np.nan, np.nan, np.nan])
    assert list(bivariate.need_index(share, gap)) == pytest.approx([1 / 3, 2 / 3, 1.0])


def test_coverage_by_hand():
    sites = pd.DataFrame(
        {
            "initiative_id": ["i1", "i1", "i1", "i2"],
            "kind": ["citizen_initiative"] * 3 + ["ngo_service"],
            "themes": [["language", "housing"]] * 3 + [["language"]],
            "nis": ["c1", "c1", "c2", "c1"],
        }
    )
    areas = pd.DataFrame({"area_id": ["a2"] * 3, "initiative_id": ["i2"] * 3, "nis": ["c1", "c2", "c3"]})
    kinds = pd.Series({"i1": "citizen_initiative", "i2": "ngo_service"})
    out = commune_coverage(
        pd.Index(["c1", "c2", "c3"]),
        sites,
        areas,
        kinds,
        ("citizen_initiative", "ngo_service"),
        ("language", "housing", "legal"),
    )
    assert out["initiatives_present"].tolist() == [2, 1, 0]
    assert out["sites_present"].tolist() == [3, 1, 0]
    assert out["initiatives_mandated"].tolist() == [1, 1, 1]
    assert out["sites_present_citizen_initiative"].tolist() == [2, 1, 0]
    assert out["mandated_ngo_service"].tolist() == [1, 1, 1]
    assert out["mandated_citizen_initiative"].tolist() == [0, 0, 0]
    assert out["initiatives_theme_language"].tolist() == [2, 1, 0]
    assert out["initiatives_theme_housing"].tolist() == [1, 1, 0]
    assert out["initiatives_theme_legal"].tolist() == [0, 0, 0]
    rate = per(out["initiatives_present"], pd.Series([20_000, 5_000, 0], index=out.index), 1e4)
    assert rate.tolist()[:2] == [1.0, 2.0] and np.isnan(rate.iloc[2])


def test_params_validate_overrides():
    params = IndicatorParams()
    assert params.replace(desert_km=25).desert_km == 25
    with pytest.raises(InvalidParameter):
        params.replace(desert_km=0)
    with pytest.raises(InvalidParameter):
        params.replace(demand="everyone")
    with pytest.raises(InvalidParameter):
        params.replace(radius=3)
    with pytest.raises(InvalidParameter):
        params.replace(desert_kinds=("unknown_kind",))


def test_location_suggestions_by_hand():
    from geo_service.indicators.location import suggest_sites

    # four communes on a line at 0, 10, 20 and 100 km; radius 12 km
    x = np.array([0.0, 10.0, 20.0, 100.0])
    dist = np.abs(x[:, None] - x[None, :])
    demand = pd.Series([5.0, 1.0, 5.0, 2.0], index=["a", "b", "c", "d"])
    everyone = pd.Series(True, index=demand.index)
    one = suggest_sites(dist, demand, everyone, radius_km=12, k=1)
    assert one["nis"].tolist() == ["b"] and one["total_gain"].iloc[0] == 11  # b reaches a, b, c
    two = suggest_sites(dist, demand, everyone, radius_km=12, k=2)
    assert set(two["nis"]) == {"b", "d"} and two["gain"].sum() == 13
    # communes already covered carry no demand: only d is left to cover
    left = suggest_sites(dist, demand, pd.Series([False, False, False, True], index=demand.index), 12, 1)
    assert left["nis"].tolist() == ["d"] and left["total_gain"].iloc[0] == 2
    with pytest.raises(InvalidParameter):
        suggest_sites(dist, demand, everyone, radius_km=12, k=26)
