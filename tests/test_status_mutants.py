"""geo_service/indicators/status.py on small hand-made inputs: five communes, a few sites, a
hand-made completeness register. Each case checks an exact outcome (which sites a commune may
use, which communes are complete, each status, each explanation's words and figures), so that a
change of any rule changes a result here. Fast on purpose: it is the runner of the mutation test
of status.py (docs/testing.md), and nothing here builds the indicators from the real data."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from geo_service.catalogue.register import Register, read_register
from geo_service.catalogue.vocab import KINDS
from geo_service.indicators import status
from geo_service.indicators.status import Facts

COMMUNES = pd.Index(["c1", "c2", "c3", "c4", "c5"], name="nis")
INTEGRATION = "civic_integration_office"
RECEPTION = "reception_centre"


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


@pytest.fixture
def register() -> Register:
    """Two competent integration networks: ``north`` (complete: 1 of 1 site) serves c1, c2 and c4;
    ``south`` (partial: 1 of more than 3) serves c2 and c3. ``desk`` offers the service in c5
    without the mandate (``competent`` false); ``national`` is the only reception network."""
    networks = pd.DataFrame(
        {
            "name": ["North agency", "South offices", "Help desk", "National reception"],
            "names": [{}, {}, {}, {}],
            "kind": [INTEGRATION, INTEGRATION, INTEGRATION, RECEPTION],
            "competent": [True, True, False, True],
            "status": ["complete", "partial", "unknown", "complete"],
            "known_sites": [1, 1, 1, 2],
            "expected_sites": [1.0, 3.0, math.nan, 2.0],
            "lower_bound": [False, True, False, False],
        },
        index=pd.Index(["north", "south", "desk", "national"], name="id"),
    )
    area = pd.DataFrame(
        {
            "north": [True, True, False, True, False],
            "south": [False, True, True, False, False],
            "desk": [False, False, False, False, True],
            "national": [True] * 5,
        },
        index=COMMUNES,
    )
    pairs = _frame(
        [("agency", "north"), ("offices", "south"), ("helpdesk", "desk"), ("fedasil", "national")],
        ["initiative_id", "network"],
    )
    return Register(networks=networks, communes=area, initiative_network=pairs)


@pytest.fixture
def sites() -> pd.DataFrame:
    """Integration sites: s1 of the agency (north), s2 of the offices (south), s3 of the help desk."""
    return pd.DataFrame({"initiative_id": ["agency", "offices", "helpdesk"]}, index=pd.Index(["s1", "s2", "s3"]))


@pytest.fixture
def areas() -> pd.DataFrame:
    """The agency's service area is c1 and c2 (not c4); the offices and the help desk have none."""
    return _frame([("agency", None, "c1"), ("agency", None, "c2")], ["initiative_id", "site_id", "nis"])


def _bool(rows: list[str]) -> np.ndarray:
    """'TF.' rows -> a bool matrix (T true, anything else false)."""
    return np.array([[c == "T" for c in row] for row in rows], dtype=bool)


# --- mandate areas ----------------------------------------------------------------------------------------------


MANDATE_SITES = pd.DataFrame(
    {"initiative_id": ["cpas", "cpas", "cri", "cri", "fedasil"]}, index=pd.Index(["s1", "s2", "s3", "s4", "s5"])
)
MANDATE_AREAS = _frame(
    [
        ("cpas", "s1", "c1"),  # each CPAS site serves its own commune
        ("cpas", "s2", "c2"),
        ("cri", None, "c2"),  # the CRI's territory: c2 and c3 ...
        ("cri", None, "c3"),
        ("cri", None, "c9"),  # ... and a commune outside those asked about
        ("cri", "s4", "c4"),  # a CRI site with an area of its own: that area alone
        ("cpas", "s99", "c3"),  # a site not among those asked about
        ("other", None, "c1"),  # an initiative without a site here
    ],
    ["initiative_id", "site_id", "nis"],
)


def test_mandate_areas_own_area_initiative_area_and_unrestricted():
    allowed = status.mandate_areas(MANDATE_SITES, MANDATE_AREAS, COMMUNES[:4])
    expected = _bool(
        [
            # s1 s2 s3 s4 s5
            "TFFFT",  # c1
            "FTTFT",  # c2
            "FFTFT",  # c3
            "FFFTT",  # c4
        ]
    )
    assert allowed.dtype == bool and allowed.shape == (4, 5)
    assert (allowed == expected).all(), allowed.astype(int)


def test_mandate_areas_of_a_single_site_and_a_single_area_row():
    one_site = status.mandate_areas(MANDATE_SITES.loc[["s3"]], MANDATE_AREAS, COMMUNES[:4])
    assert one_site[:, 0].tolist() == [False, True, True, False]
    one_row = status.mandate_areas(MANDATE_SITES.loc[["s3", "s5"]], MANDATE_AREAS.iloc[[2]], COMMUNES[:4])
    assert one_row.tolist() == [[False, True], [True, True], [False, True], [False, True]]


@pytest.mark.parametrize("service_areas", [None, MANDATE_AREAS.iloc[:0], pd.DataFrame()])
def test_without_service_areas_no_site_is_restricted(service_areas):
    allowed = status.mandate_areas(MANDATE_SITES, service_areas, COMMUNES)
    assert allowed.shape == (5, 5) and allowed.dtype == bool and allowed.all()


def test_mandate_areas_without_sites():
    allowed = status.mandate_areas(MANDATE_SITES.iloc[:0], MANDATE_AREAS, COMMUNES)
    assert allowed.shape == (5, 0) and allowed.dtype == bool


# --- competence -------------------------------------------------------------------------------------------------


def test_competence_uses_networks_and_mandates(register, sites, areas):
    rule = status.competence(INTEGRATION, register, sites, len(COMMUNES), areas, COMMUNES)
    usable = _bool(
        [
            # s1 s2 s3
            "TFF",  # c1: north's agency site (its area covers c1)
            "TTF",  # c2: north and south
            "FTF",  # c3: south, whose offices have no service area
            "FFF",  # c4: north, but the agency's area leaves c4 out
            "FFF",  # c5: only the help desk, which has no mandate
        ]
    )
    assert rule.usable.dtype == bool and rule.usable.tolist() == usable.tolist()
    # c1 complete; c2 and c3 have the partial south; c4 has no mandated site; c5 no network
    assert rule.complete.tolist() == [True, False, False, False, False]
    assert rule.networks == [("north",), ("north", "south"), ("south",), ("north",), ()]


def test_competence_without_communes_applies_no_mandate(register, sites, areas):
    rule = status.competence(INTEGRATION, register, sites, len(COMMUNES), areas)
    assert rule.usable.tolist() == _bool(["TFF", "TTF", "FTF", "TFF", "FFF"]).tolist()
    assert rule.complete.tolist() == [True, False, False, True, False]


def test_competence_of_a_kind_with_one_network(register):
    reception = pd.DataFrame({"initiative_id": ["fedasil", "croix-rouge"]}, index=pd.Index(["r1", "r2"]))
    rule = status.competence(RECEPTION, register, reception, len(COMMUNES), None, COMMUNES)
    assert rule.usable.tolist() == [[True, False]] * 5
    assert rule.complete.tolist() == [True] * 5
    assert rule.networks == [("national",)] * 5


@pytest.mark.parametrize("kind", ["ngo_service", INTEGRATION])
def test_without_a_network_of_the_kind_every_site_counts_and_nothing_is_complete(register, sites, kind):
    use = None if kind == INTEGRATION else register
    rule = status.competence(kind, use, sites, 4)
    assert rule.usable.shape == (4, 3) and rule.usable.dtype == bool and rule.usable.all()
    assert rule.complete.dtype == bool and rule.complete.tolist() == [False] * 4
    assert rule.networks == [()] * 4


def test_competence_is_frozen(register, sites):
    rule = status.competence(INTEGRATION, register, sites, len(COMMUNES))
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.complete = None


def test_mandate_kinds_are_the_kinds_whose_register_names_its_operators():
    named = {e["kind"] for e in read_register() if e["initiatives"] != "*" and e.get("competent", True)}
    assert set(status.MANDATE_KINDS) == named and len(status.MANDATE_KINDS) == len(named) == 4


# --- nearest and status -----------------------------------------------------------------------------------------


def test_nearest_distance_and_position():
    km, position = status.nearest(np.array([[7.0, 2.0, 9.0], [1.0, 4.0, 3.0]]))
    assert km.tolist() == [2.0, 1.0] and position.tolist() == [1, 0]
    km, position = status.nearest(np.array([[np.inf, 4.0, np.inf], [np.inf, np.inf, np.inf]]))
    assert km[0] == 4.0 and np.isnan(km[1]) and position.tolist() == [1, -1]


def test_nearest_of_one_site_and_of_none():
    km, position = status.nearest(np.array([[3.0], [np.inf], [5.5]]))
    assert km[[0, 2]].tolist() == [3.0, 5.5] and np.isnan(km[1]) and position.tolist() == [0, -1, 0]
    km, position = status.nearest(np.empty((3, 0)))
    assert km.shape == (3,) and np.isnan(km).all() and position.tolist() == [-1, -1, -1]


def test_status_served_gap_unknown():
    nearest = np.array([15.0, 15.01, 15.01, np.nan, np.nan, 0.0, 14.99])
    complete = np.array([False, True, False, True, False, False, True])
    result = status.status(nearest, complete, 15.0)
    assert result.dtype == object
    assert result.tolist() == ["served", "gap", "unknown", "gap", "unknown", "served", "served"]
    assert status.STATUSES == ("served", "gap", "unknown")


# --- facts and explanations -------------------------------------------------------------------------------------


def test_network_lookup(register):
    lookup = status.network_lookup(register.networks)
    assert list(lookup) == ["north", "south", "desk", "national"]
    assert lookup["north"] == ("North agency", 1, 1.0, False)
    assert lookup["south"] == ("South offices", 1, 3.0, True)
    name, known, expected, lower = lookup["desk"]
    assert (name, known, math.isnan(expected), lower) == ("Help desk", 1, True, False)
    assert [type(v) for v in lookup["national"]] == [str, int, float, bool]


def test_network_names_follow_the_language(register):
    networks = register.networks.copy()
    networks["names"] = [{"fr": "Agence du Nord"}, {}, {"de": "Hilfe"}, {"nl": "Nationaal"}]
    assert [v[0] for v in status.network_lookup(networks, "fr").values()] == [
        "Agence du Nord",
        "South offices",
        "Help desk",
        "National reception",
    ]
    assert status.network_lookup(networks, "nl")["national"][0] == "Nationaal"
    assert status.network_lookup(networks)["north"][0] == "North agency"  # English by default
    assert status.network_name("Name", {"fr": ""}, "fr") == "Name"


def test_network_facts(register):
    lookup = status.network_lookup(register.networks)
    assert status.network_facts(["north"], lookup) == ("North agency", 1, 1, False)
    assert status.network_facts(["north", "south"], lookup) == ("North agency + South offices", 2, 4, True)
    assert status.network_facts(["north", "national"], lookup) == ("North agency + National reception", 3, 3, False)
    assert status.network_facts(["south", "desk"], lookup) == ("South offices + Help desk", 2, None, True)
    assert status.network_facts(["gone", "north"], lookup) == ("North agency", 1, 1, False)
    assert status.network_facts([], lookup) == ("", None, None, False)
    assert status.network_facts(["gone"], lookup) == ("", None, None, False)


def _facts(state="served", km=3.04, label="Office X, Liège", networks="CRIs", known=8, expected=8, lower=False):
    return Facts(INTEGRATION, state, km, label, networks, known, expected, lower, 15.0)


@pytest.mark.parametrize(
    "facts, sentence",
    [
        (_facts(), "nearest civic-integration office: 3.0 km (Office X, Liège), within 15 km"),
        (_facts(km=0.0, label=None), "nearest civic-integration office: 0.0 km (), within 15 km"),
        (
            _facts("gap", 23.46),
            "nearest civic-integration office of the competent network (CRIs): 23.5 km (Office X, Liège), beyond "
            "15 km; the network's list is complete (8 of 8 sites)",
        ),
        (
            _facts("gap", None, None),
            "nearest civic-integration office of the competent network (CRIs):  km (), beyond 15 km; the network's "
            "list is complete (8 of 8 sites)",
        ),
        (
            _facts("unknown", 23.44, known=5, expected=138),
            "no known civic-integration office of CRIs within 15 km (nearest known: 23.4 km (Office X, Liège)); "
            "the catalogue holds 5 of the 138 sites the operator states, so a closer one may exist",
        ),
        (
            _facts("unknown", 20.0, known=31, expected=1000, lower=True),
            "no known civic-integration office of CRIs within 15 km (nearest known: 20.0 km (Office X, Liège)); "
            "the catalogue holds 31 of more than 1000 sites, so a closer one may exist",
        ),
        (
            _facts("unknown", 40.0, None, expected=None, lower=True),
            "no known civic-integration office of CRIs within 15 km (nearest known: 40.0 km ()); "
            "the operator's number of sites is not known, so a closer one may exist",
        ),
        (
            _facts("unknown", None, None),
            "no site of CRIs is known to serve this commune (none in the catalogue, or no recorded service area "
            "covers it), so its status cannot be assessed",
        ),
        (
            _facts("unknown", None, None, networks=""),
            "no network of civic-integration office is recorded as serving this commune, so its status cannot be "
            "assessed",
        ),
        (
            _facts("gap", 30.0, networks=""),
            "no network of civic-integration office is recorded as serving this commune, so its status cannot be "
            "assessed",
        ),
    ],
)
def test_each_explanation_in_words_and_figures(facts, sentence):
    assert status.explain(facts) == sentence


def test_the_reach_is_written_as_given():
    facts = dataclasses.replace(_facts(km=12.25), reach_km=12.5)
    assert status.explain(facts) == "nearest civic-integration office: 12.2 km (Office X, Liège), within 12.5 km"


@pytest.mark.parametrize(
    "kind, noun",
    [
        ("citizen_initiative", "citizen initiative"),
        ("ngo_service", "NGO service"),
        ("civic_integration_office", "civic-integration office"),
        ("public_employment_service", "public employment office"),
        ("social_welfare", "social welfare centre"),
        ("reception_centre", "reception centre"),
        ("education_training", "education or training provider"),
        ("coordination_body", "coordination body"),
        ("research_body", "research body"),
        ("funding_body", "funding body"),
        ("mobile_legal_clinic", "mobile legal clinic"),  # a kind without a noun: its name in words
    ],
)
def test_each_kind_is_named_in_words(kind, noun):
    facts = dataclasses.replace(_facts(), kind=kind)
    assert status.explain(facts) == f"nearest {noun}: 3.0 km (Office X, Liège), within 15 km"


def test_every_kind_of_the_vocabulary_has_its_noun_in_order():
    """The column metadata and the maps' labels look nouns up by kind (``KIND_NOUNS.get(kind, kind)``)."""
    assert list(status.KIND_NOUNS) == list(KINDS)


def test_explanations_are_translated_and_the_kind_label_wins():
    french = {
        "civic-integration office": "bureau d'intégration",
        "nearest %(kind)s: %(km)s km (%(site)s), within %(reach)s km": "%(kind)s le plus proche : %(km)s km (%(site)s)",
        "nearest known: %(km)s km (%(site)s)": "le plus proche connu : %(km)s km",
        "the operator's number of sites is not known": "taille inconnue",
        "no known %(kind)s of %(network)s within %(reach)s km (%(where)s); %(size)s, so a closer one may exist": (
            "aucun %(kind)s de %(network)s à moins de %(reach)s km (%(where)s) ; %(size)s"
        ),
    }

    def t(message: str) -> str:
        return french.get(message, message)

    assert status.explain(_facts(), t) == "bureau d'intégration le plus proche : 3.0 km (Office X, Liège)"
    assert status.explain(_facts(), t, kind_label="CRI") == "CRI le plus proche : 3.0 km (Office X, Liège)"
    unknown = _facts("unknown", 40.0, expected=None)
    assert status.explain(unknown, t) == (
        "aucun bureau d'intégration de CRIs à moins de 15 km (le plus proche connu : 40.0 km) ; taille inconnue"
    )


def test_facts_of_an_indicator_record(register):
    lookup = status.network_lookup(register.networks)
    row = {
        f"status_{INTEGRATION}": "unknown",
        f"nearest_km_{INTEGRATION}": 17.5,
        f"nearest_name_{INTEGRATION}": "South office, Namur",
        f"networks_{INTEGRATION}": "north;south",
        "status_ngo_service": "served",  # another kind's columns are not read
        "nearest_km_ngo_service": 1.0,
    }
    facts = status.facts_of(row, INTEGRATION, lookup, 15.0)
    assert facts == Facts(
        INTEGRATION, "unknown", 17.5, "South office, Namur", "North agency + South offices", 2, 4, True, 15.0
    )
    assert type(facts.nearest_km) is float
    assert status.explain(facts) == (
        "no known civic-integration office of North agency + South offices within 15 km (nearest known: 17.5 km "
        "(South office, Namur)); the catalogue holds 2 of more than 4 sites, so a closer one may exist"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.status = "served"


@pytest.mark.parametrize("km", [None, math.nan, np.float64("nan")])
def test_facts_of_a_record_without_a_distance_or_a_status(register, km):
    lookup = status.network_lookup(register.networks)
    row = {f"nearest_km_{INTEGRATION}": km, f"networks_{INTEGRATION}": None, f"status_{INTEGRATION}": None}
    facts = status.facts_of(row, INTEGRATION, lookup, 15.0)
    assert facts == Facts(INTEGRATION, "unknown", None, None, "", None, None, False, 15.0)
    assert status.facts_of({}, INTEGRATION, lookup, 15.0) == facts


def test_from_sites_to_sentences(register, sites, areas):
    """The chain of geo_service/indicators/tables.py on the small world: competence, nearest, status, facts, words."""
    distance = np.array([[20.0, 30.0, 1.0], [20.0, 40.0, 1.0], [50.0, 10.0, 1.0], [25.0, 60.0, 1.0], [70.0, 80.0, 1.0]])
    rule = status.competence(INTEGRATION, register, sites, len(COMMUNES), areas, COMMUNES)
    km, position = status.nearest(np.where(rule.usable, distance, np.inf))
    states = status.status(km, rule.complete, 15.0)
    assert states.tolist() == ["gap", "unknown", "served", "unknown", "unknown"]
    assert position.tolist() == [0, 0, 1, -1, -1]
    lookup = status.network_lookup(register.networks)
    labels = np.array(["Agency, Liège", "Offices, Namur", "Desk, Brussels"])
    sentences = []
    for i in range(len(COMMUNES)):
        row = {
            f"status_{INTEGRATION}": states[i],
            f"nearest_km_{INTEGRATION}": km[i],
            f"nearest_name_{INTEGRATION}": labels[position[i]] if position[i] >= 0 else None,
            f"networks_{INTEGRATION}": ";".join(rule.networks[i]),
        }
        sentences.append(status.explain(status.facts_of(row, INTEGRATION, lookup, 15.0)))
    assert sentences[0] == (
        "nearest civic-integration office of the competent network (North agency): 20.0 km (Agency, Liège), beyond "
        "15 km; the network's list is complete (1 of 1 sites)"
    )
    assert sentences[2] == "nearest civic-integration office: 10.0 km (Offices, Namur), within 15 km"
    assert sentences[1] == (
        "no known civic-integration office of North agency + South offices within 15 km (nearest known: 20.0 km "
        "(Agency, Liège)); the catalogue holds 2 of more than 4 sites, so a closer one may exist"
    )
    assert sentences[3].startswith("no site of North agency is known to serve this commune")
    assert sentences[4].startswith("no network of civic-integration office is recorded as serving this commune")
