"""Corrections without HTTP (issue 22, items 2 and 3): the public form's checks, one message per
field; a moderator's decision as the exact site change it publishes (close, update, add), with the
values it replaces; and the change feed's selection, JSON and Atom (parsed against the Atom
namespace) on small, hand-made change logs."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

import orjson
import pytest
from corrections_support import assert_valid_atom

from geo_service import changefeed
from geo_service.catalogue.placenames import UnknownPlace
from geo_service.corrections.approval import form_values, site_change
from geo_service.corrections.form import clean_report
from geo_service.errors import GeoServiceError, InvalidParameter, ValidationFailed

GENT, LEUVEN, LIEGE = "44021", "24062", "62063"
COMMUNES = {"gent": GENT, "leuven": LEUVEN, "liège": LIEGE, GENT: GENT, LEUVEN: LEUVEN, LIEGE: LIEGE}
SITE = {
    "id": "vdab-gent",
    "initiative": "vdab",
    "name": "VDAB Gent",
    "nis": GENT,
    "precision": "exact",
    "status": "active",
    "address": "Kongostraat 7",
    "postcode": "9000",
    "opening_hours": None,
    "last_confirmed": "2024-05-01",
    "contacts": {"phone": "+32 9 000 00 00"},
}
TOKEN = "a" * 32


def resolve(name: str) -> str:
    try:
        return COMMUNES[name.strip().lower()]
    except KeyError:
        raise UnknownPlace(f"'{name}' is not a known Belgian commune", candidates=[]) from None


def site_of(site_id: str):
    return dict(SITE) if site_id == "vdab-gent" else None


def report(**fields) -> dict[str, list[str]]:
    form = {"site": "vdab-gent", "submission_token": TOKEN, "evidence_url": "https://www.vdab.be/gent"}
    form.update(fields)
    return {key: [value] for key, value in form.items()}


def errors_of(call) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return {e["field"]: e["reason"] for e in caught.value.details["errors"]}


# --- the public form ------------------------------------------------------------------------


def test_a_closed_site_with_evidence_and_email_is_kept_with_the_email_apart():
    data, contact, token = clean_report(
        report(report="closed", evidence_text="A sign on the door.", contact_email="me@example.org"), site_of, resolve
    )
    assert data == {
        "report": "closed",
        "site": "vdab-gent",
        "initiative": "vdab",
        "site_name": "VDAB Gent",
        "commune": GENT,
        "proposed": {},
        "description": None,
        "evidence": {"url": "https://www.vdab.be/gent", "text": "A sign on the door."},
    }
    assert contact == {"email": "me@example.org"} and token == TOKEN
    assert "me@example.org" not in orjson.dumps(data).decode()


def test_a_move_keeps_the_proposed_values_with_the_commune_resolved():
    data, contact, _ = clean_report(
        report(report="moved", address="Bondgenotenlaan 1", postcode="3000", place="Leuven"), site_of, resolve
    )
    assert data["proposed"] == {"address": "Bondgenotenlaan 1", "postcode": "3000", "place": LEUVEN}
    assert data["commune"] == GENT and contact is None


def test_a_missing_service_needs_its_name_and_commune_but_no_site():
    data, _, _ = clean_report(
        report(site="", report="exists", commune=LIEGE, name="Taalcafé Liège", evidence_text="I volunteer there."),
        site_of,
        resolve,
    )
    assert (data["site"], data["commune"], data["proposed"]) == (None, LIEGE, {"name": "Taalcafé Liège"})
    assert errors_of(lambda: clean_report(report(site="", report="exists"), site_of, resolve)) == {
        "place": "Give the commune where the service is.",
        "name": "Give the name of the service.",
    }


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({}, {"report": "Choose what is wrong."}),
        ({"report": "burnt"}, {"report": "Choose what is wrong."}),
        ({"report": "closed", "site": ""}, {"site": "Choose the site this report is about."}),
        (
            {"report": "closed", "site": "gone"},
            {"site": "This site is no longer in the catalogue; start again from the commune's page."},
        ),
        ({"report": "moved"}, {"address": "Give the new address, postcode or commune."}),
        ({"report": "details"}, {"description": "Say which details are wrong and what they should be."}),
        (
            {"report": "closed", "evidence_url": ""},
            {"evidence_url": "Give a web page or a short text that shows it, for example the operator's announcement."},
        ),
        (
            {"report": "closed", "evidence_url": "www.vdab.be"},
            {"evidence_url": "Give a full web address starting with http:// or https://."},
        ),
        ({"report": "closed", "contact_email": "me-at-home"}, {"contact_email": "Give a valid e-mail address."}),
        ({"report": "moved", "postcode": "900"}, {"postcode": "A Belgian postcode has four digits."}),
        ({"report": "moved", "place": "Atlantis"}, {"place": "'Atlantis' is not a known Belgian commune."}),
        (
            {"report": "details", "phone": "call me"},
            {"phone": "Give a phone number with digits only (spaces, dots and a leading + allowed)."},
        ),
        ({"report": "closed", "evidence_text": "x" * 2001}, {"evidence_text": "At most 2000 characters (2001 given)."}),
        (
            {"report": "closed", "submission_token": "short"},
            {"submission_token": "The form is incomplete; reload the page and submit again."},
        ),
    ],
)
def test_each_problem_is_named_on_its_field(fields, expected):
    assert errors_of(lambda: clean_report(report(**fields), site_of, resolve)) == expected


# --- a moderator's decision -----------------------------------------------------------------


def place(spec: dict):
    if spec.get("lat") is not None and spec["lat"] > 51.2:
        raise GeoServiceError(f"coordinates ({spec['lat']}, {spec['lon']}) lie in Antwerpen, not in Gent")
    return spec["place"], None, spec.get("precision") or "commune"


def decide(form: dict, site=SITE, reference="C-000007", row_id=7):
    return site_change(
        reference,
        row_id,
        {key: [value] for key, value in form.items()},
        site,
        resolve=resolve,
        place=place,
        initiatives={"vdab": "VDAB", "forem": "Le Forem"},
        today="2026-12-08",
    )


def filled(report_data: dict, site=SITE, **changes) -> dict:
    values = {key: value[0] for key, value in form_values(report_data, site, lambda nis: nis).items()}
    return {**values, **changes}


MOVED = {
    "report": "moved",
    "site": "vdab-gent",
    "initiative": "vdab",
    "commune": GENT,
    "proposed": {"address": "Bondgenotenlaan 1", "postcode": "3000", "place": LEUVEN},
    "evidence": {"url": "https://www.vdab.be/leuven", "text": None},
}


def test_the_form_is_filled_with_the_report_over_the_site():
    values = filled(MOVED)
    assert (values["action"], values["address"], values["postcode"], values["place"]) == (
        "update",
        "Bondgenotenlaan 1",
        "3000",
        LEUVEN,
    )
    assert values["name"] == "VDAB Gent" and values["phone"] == "+32 9 000 00 00"
    assert values["evidence_url"] == "https://www.vdab.be/leuven"


def test_a_move_without_coordinates_places_the_site_at_its_new_commune():
    change, previous = decide(filled(MOVED))
    assert change == {
        "action": "update",
        "site": "vdab-gent",
        "initiative": "vdab",
        "fields": {"address": "Bondgenotenlaan 1", "postcode": "3000", "place": LEUVEN, "last_confirmed": "2026-12-08"},
        "reason": None,
        "source": {
            "publisher": "geo_service corrections",
            "url": "https://www.vdab.be/leuven",
            "date": "2026-12-08",
            "licence": None,
            "note": "correction C-000007, approved on 2026-12-08",
        },
    }
    assert previous == {
        "address": "Kongostraat 7",
        "postcode": "9000",
        "place": GENT,
        "precision": "exact",
        "last_confirmed": "2024-05-01",
    }


def test_a_move_within_the_commune_with_coordinates_keeps_them_and_their_precision():
    change, _ = decide(filled(MOVED, place=GENT, postcode="9000", lat="51.05", lon="3.72", precision="street"))
    assert change["fields"] == {
        "address": "Bondgenotenlaan 1",
        "place": GENT,
        "lat": 51.05,
        "lon": 3.72,
        "precision": "street",
        "last_confirmed": "2026-12-08",
    }


def test_coordinates_outside_the_commune_are_refused():
    assert errors_of(lambda: decide(filled(MOVED, lat="51.3", lon="4.4"))) == {
        "lat": "These coordinates cannot be used: coordinates (51.3, 4.4) lie in Antwerpen, not in Gent"
    }
    assert errors_of(lambda: decide(filled(MOVED, lat="51.05"))) == {
        "lat": "Give both the latitude and the longitude, or neither."
    }


def test_wrong_details_change_only_what_differs_and_keep_the_old_values():
    details = {**MOVED, "report": "details", "proposed": {"name": "VDAB Gent Centrum", "website": "https://vdab.be/g"}}
    change, previous = decide(filled(details, address="Kongostraat 7", postcode="9000", place=GENT))
    assert change["fields"] == {
        "name": "VDAB Gent Centrum",
        "contacts": {"phone": "+32 9 000 00 00", "website": "https://vdab.be/g"},
        "last_confirmed": "2026-12-08",
    }
    assert previous == {
        "name": "VDAB Gent",
        "contacts": {"phone": "+32 9 000 00 00"},
        "last_confirmed": "2024-05-01",
    }


def test_an_update_that_changes_nothing_is_refused():
    assert errors_of(lambda: decide(filled({**MOVED, "proposed": {}}, evidence_text="checked"), site=SITE)) == {
        "action": "Nothing differs from the site as published: change a value, or reject the report."
    }


def test_a_closed_site_is_closed_with_the_reason_and_the_evidence_as_its_source():
    closed = {**MOVED, "report": "closed", "proposed": {}, "evidence": {"url": None, "text": "Sign on the door."}}
    change, previous = decide(filled(closed))
    assert change["action"] == "close" and change["fields"] == {}
    assert change["reason"] == "reported closed; the evidence confirms it"
    assert change["source"]["url"] is None
    assert change["source"]["note"] == "correction C-000007, approved on 2026-12-08: Sign on the door."
    assert previous == {"status": "active"}
    assert errors_of(lambda: decide(filled(closed, reason=""))) == {"reason": "Say why the site is closed."}


def test_a_missing_service_becomes_a_new_site_of_the_chosen_initiative():
    exists = {
        "report": "exists",
        "site": None,
        "commune": LIEGE,
        "proposed": {"name": "Forem Liège Centre", "address": "Rue Natalis 2", "postcode": "4020"},
        "evidence": {"url": "https://www.leforem.be/liege", "text": None},
    }
    change, previous = decide(filled(exists, site=None, initiative="forem"), site=None)
    assert (change["action"], change["site"], change["initiative"]) == ("add", "forem-correction-7", "forem")
    assert change["fields"] == {
        "name": "Forem Liège Centre",
        "address": "Rue Natalis 2",
        "postcode": "4020",
        "place": LIEGE,
        "status": "active",
        "last_confirmed": "2026-12-08",
    }
    assert previous == {}
    assert errors_of(lambda: decide(filled(exists, site=None), site=None)) == {
        "initiative": "Choose the initiative or network the site belongs to."
    }


def test_a_site_gone_from_the_catalogue_can_only_be_added():
    assert errors_of(lambda: decide(filled(MOVED), site=None)) == {
        "action": "This site is no longer in the catalogue: only adding a site is possible."
    }


# --- the change feed ------------------------------------------------------------------------

LOG = [
    {
        "at": "2026-11-30",
        "what": "added",
        "origin": "import",
        "reference": "I-000001",
        "initiative": "import-1",
        "site": None,
        "name": "Taalcafé",
        "communes": [GENT],
        "source": None,
        "reason": None,
    },
    {
        "at": "2026-12-07",
        "what": "moved",
        "origin": "correction",
        "reference": "C-000007",
        "initiative": "vdab",
        "site": "vdab-gent",
        "name": "VDAB Gent <centrum>",
        "communes": [GENT, LEUVEN],
        "source": {"publisher": "geo_service corrections", "url": "https://www.vdab.be/leuven", "date": "2026-12-07"},
        "reason": None,
        "previous": {"place": GENT},
    },
]
NAMES = {GENT: "Gent", LEUVEN: "Leuven"}


def test_since_and_commune_select_the_changes_newest_first():
    assert [c["reference"] for c in changefeed.select(LOG)] == ["C-000007", "I-000001"]
    assert [c["reference"] for c in changefeed.select(LOG, dt.date(2026, 12, 1))] == ["C-000007"]
    assert [c["reference"] for c in changefeed.select(LOG, dt.date(2026, 12, 7))] == ["C-000007"]
    assert changefeed.select(LOG, dt.date(2026, 12, 8)) == []
    assert [c["reference"] for c in changefeed.select(LOG, commune=LEUVEN)] == ["C-000007"]


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "2026-12-1", "20261201", ""])
def test_a_bad_since_names_the_parameter(value):
    with pytest.raises(InvalidParameter) as caught:
        changefeed.parse_since(value)
    assert caught.value.details == {"parameter": "since"} and "YYYY-MM-DD" in caught.value.message


def test_the_json_feed_carries_its_version_and_each_change_with_its_source():
    meta = {"since": None, "version": "abc123", "built_at": "2026-12-07T10:00:00Z"}
    body = orjson.loads(changefeed.as_json(changefeed.select(LOG), meta, NAMES, lambda c: None, lambda s: s))
    assert body["version"] == "abc123" and body["count"] == 2
    moved = body["changes"][0]
    assert moved["title"] == "Moved: VDAB Gent <centrum> (Gent, Leuven)"
    assert moved["communes"] == [{"nis": GENT, "name": "Gent"}, {"nis": LEUVEN, "name": "Leuven"}]
    assert (moved["origin"], moved["reference"], moved["previous"]) == ("correction", "C-000007", {"place": GENT})


def test_the_atom_feed_is_valid_atom():
    meta = {
        "version": "abc123",
        "built_at": "2026-12-07T10:00:00Z",
        "self": "http://host/changes?f=atom",
        "self_path": "/changes?f=atom",
        "json": "http://host/changes?f=json",
        "home": "http://host/",
        "publisher": "Welcome Atlas",
    }
    body = changefeed.as_atom(
        changefeed.select(LOG),
        meta,
        NAMES,
        lambda c: f"http://host/initiative/{c['initiative']}",
        lambda s: s,
        feed_title="Changes",
        lang="en",
    )
    assert_valid_atom(body, entries=2)
    root = ET.fromstring(body)
    a = {"a": changefeed.ATOM}
    assert root.findtext("a:updated", namespaces=a) == "2026-12-07T00:00:00Z"
    first = root.find("a:entry", a)
    assert first.findtext("a:title", namespaces=a) == "Moved: VDAB Gent <centrum> (Gent, Leuven)"
    assert first.find("a:link", a).get("href") == "http://host/initiative/vdab"
    assert first.find("a:category", a).get("term") == "moved"
    assert "correction C-000007" in first.findtext("a:summary", namespaces=a)
    again = changefeed.as_atom(
        changefeed.select(LOG), meta, NAMES, lambda c: None, lambda s: s, feed_title="x", lang="en"
    )
    assert [e.findtext("a:id", namespaces=a) for e in ET.fromstring(again).findall("a:entry", a)] == [
        e.findtext("a:id", namespaces=a) for e in root.findall("a:entry", a)
    ], "entry ids are stable"


def test_each_change_has_one_stable_id_computed_once():
    ids = [c["id"] for c in changefeed.with_ids(LOG)]
    assert ids == [changefeed.entry_id(c) for c in LOG] and len(set(ids)) == 2
    assert all(i.startswith("urn:uuid:") for i in ids)
    assert changefeed.entry_id({**LOG[0], "id": "urn:uuid:kept"}) == "urn:uuid:kept"
