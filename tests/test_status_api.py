"""The API says what the catalogue knows: the completeness register and the status counts in
every collection's metadata, and each commune's statuses among its properties (issue 11)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("cid", ["communes", "provinces", "initiatives", "sites"])
def test_collection_metadata_carries_the_register_and_status_counts(client, cid):
    doc = client.get(f"/collections/{cid}?f=json").get_json()
    known = doc["completeness"]
    networks = {n["id"]: n for n in known["networks"]}
    assert {"vdab", "le-forem", "actiris", "adg", "cri-wallonie", "cpas-ocmw", "fedasil-network"} <= set(networks)
    for network in networks.values():
        assert network["sources"] and all(s.get("url") or s.get("seed") for s in network["sources"])
        assert network["status"] in ("complete", "partial", "unknown")
        if network["status"] == "complete":
            assert network["known_sites"] >= network["expected_sites"]
    assert networks["vdab"]["status"] == "partial" and networks["vdab"]["expected_sites"] == 138
    # the CRIs' bureaux d'accueil are not all known, and the ADG's count is older than its sites (issue 24)
    assert networks["cri-wallonie"]["status"] == "unknown" and networks["cri-wallonie"]["expected_sites"] is None
    assert networks["adg"]["status"] == "unknown" and networks["adg"]["exceeded"]
    assert networks["cpas-ocmw"]["status"] == "complete" and networks["cpas-ocmw"]["exists_by_law"]
    for network in networks.values():  # how current each network's list is (issue 22)
        assert network["freshness"] == "36 months" and isinstance(network["stale"], bool)
    counts = known["statusCounts"]
    assert all(sum(c.values()) == 565 for c in counts.values())
    assert counts["social_welfare"]["served"] == 565 and "reception_centre" not in counts
    # kinds that judge no commune are explained once, here, not on every commune
    assert set(known["notAssessed"]) == {
        "reception_centre",
        "education_training",
        "coordination_body",
        "research_body",
        "funding_body",
    }
    assert known["isolatedCentres"]["centres"] > 40 and known["isolatedCentres"]["isolated"] >= 0


def test_commune_items_give_status_reason_and_networks(app, client):
    feature = client.get("/collections/communes/items/84016?f=json").get_json()  # Daverdisse
    p = feature["properties"]
    assert p["status_civic_integration_office"] == "unknown"
    assert p["networks_civic_integration_office"] == "cri-wallonie"
    assert "the operator's number of sites is not known" in p["status_reason_civic_integration_office"]
    assert p["status_public_employment_service"] == "unknown"
    assert p["status_social_welfare"] == "served" and p["status_stale_social_welfare"] is False  # by law
    assert p["status_reception_centre"] == "not_assessed" and p["status_reason_reception_centre"] is None
    gaps = client.get("/collections/communes/items?f=json&limit=1000").get_json()["features"]
    statuses = [f["properties"]["status_public_employment_service"] for f in gaps]
    counts = client.get("/collections/communes?f=json").get_json()["completeness"]["statusCounts"]
    assert statuses.count("gap") == counts["public_employment_service"]["gap"]


def test_favicon_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.headers["Location"].endswith("/static/icon.svg")
    assert client.get("/static/icon.svg").status_code == 200


@pytest.mark.parametrize(
    "lang,cri,employment",
    [
        ("fr", "Centres régionaux d'intégration (CRI) de Wallonie", "Sites du Forem (Région wallonne"),
        ("nl", "Regionale integratiecentra (CRI) van Wallonië", "Vestigingen van Le Forem (Waals Gewest"),
        ("en", "Centres régionaux d'intégration (CRI) of Wallonia", "Le Forem sites (Walloon Region"),
    ],
)
def test_networks_are_named_in_the_page_language(client, lang, cri, employment):
    """The register's networks (tables and the explanation of each status) are named in the
    reader's language on the commune page, the gaps map and the API's status reasons."""
    import html

    page = html.unescape(client.get(f"/commune/84016?lang={lang}").get_data(as_text=True))  # Daverdisse
    assert cri in page and employment in page
    gaps = html.unescape(client.get(f"/map/gaps?kind=civic_integration_office&lang={lang}").get_data(as_text=True))
    assert cri in gaps
    item = html.unescape(client.get(f"/collections/communes/items/84016?f=html&lang={lang}").get_data(as_text=True))
    assert cri in item  # the API's page for people explains in the page language too
    doc = client.get("/collections/communes?f=json").get_json()
    names = {n["id"]: n["names"] for n in doc["completeness"]["networks"]}
    assert all(set(n) == {"fr", "nl"} for n in names.values())  # every network named in French and Dutch


def test_register_names_must_be_texts_per_language():
    from geo_service.catalogue.register import validate
    from geo_service.errors import ValidationFailed

    entry = {"id": "x", "kind": "ngo_service", "initiatives": "*", "sources": [{"seed": "s"}]}
    assert validate([{**entry, "names": {"fr": "Services", "nl": "Diensten"}}])
    for bad in ({"es": "Servicios"}, {"fr": ""}, ["fr", "Services"], {"fr": 3}):
        with pytest.raises(ValidationFailed, match="names must map fr/nl/de"):
            validate([{**entry, "names": bad}])


def test_the_sites_layer_gives_each_reception_centre_its_support_and_each_site_its_dates(client):
    centre = client.get("/collections/sites/items/fedasil-florennes?f=json").get_json()["properties"]
    assert centre["kind"] == "reception_centre" and isinstance(centre["isolated"], bool)
    assert centre["support_social_welfare"] >= 1 and centre["support_count"] >= 1
    assert centre["support_km_social_welfare"] is not None and centre["support_reach_km"] == 15.0
    assert centre["last_confirmed"] == "2022-06" and centre["declared_status"] == "active"
    office = client.get("/collections/sites/items/vdab-gent?f=json").get_json()["properties"]
    assert office["isolated"] is None and office["support_count"] is None  # not a reception centre
    assert office["last_confirmed"] == "2020-05" and office["status"] == "to_be_confirmed" and office["stale"]
    ended = client.get("/collections/sites/items/fedasil-lombardsijde?f=json").get_json()["properties"]
    assert (ended["status"], ended["declared_status"], ended["valid_until"]) == ("expired", "temporary", "2022-02")
