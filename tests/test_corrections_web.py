"""Corrections and the change feed through the Flask test client, on SQLite and on PostgreSQL
(issue 22, items 2, 3 and 6): the links from commune and site pages, the form in three languages
with its protections and its error summary, a moderator approving (move, close, a missing site)
and rejecting reports, and what the catalogue, the commune pages and ``/changes`` (JSON and Atom)
show afterwards, without a restart; an import made a minute ago in the feed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from corrections_support import assert_valid_atom, form_fields
from nominations_support import backend_app_fixture, hidden, login
from sqlalchemy import func, select

from geo_service.store.changes import RateLimit
from geo_service.store.corrections import correction
from geo_service.store.models import Nomination

app = backend_app_fixture("corrections", submit=RateLimit(10_000, timedelta(hours=1)))
GENT, LEUVEN, KORTRIJK, LIEGE = "44021", "24062", "34022", "62063"
REPORTER = "reporter.private@example.org"


def _rows(store) -> int:
    with store.sessions() as s:
        return s.scalar(select(func.count()).select_from(Nomination))


def send_report(client, query: str, lang: str = "en", **fields):
    page = client.get(f"/correct?{query}&lang={lang}")
    assert page.status_code == 200
    form = form_fields(page.get_data(as_text=True), "/correct")
    form.update({key: [value] if isinstance(value, str) else value for key, value in fields.items()})
    return client.post(f"/correct?lang={lang}", data=form)


def reference_of(client, response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r'id="reference">([^<]+)<', page).group(1)


def decide(client, store, reference: str, action: str = "approve", **changes):
    """Open the correction's moderation page and send its approve (or reject) form as filled in,
    with ``changes``."""
    number = int(reference.split("-")[1])
    page = client.get(f"/moderation/corrections/{number}").get_data(as_text=True)
    form = form_fields(page, f"/{number}/{action}")
    form.update({key: [value] for key, value in changes.items()})
    return client.post(f"/moderation/corrections/{number}/{action}", data=form)


def test_commune_and_site_pages_link_to_the_correction_form(client):
    commune = client.get(f"/commune/{GENT}?lang=nl").get_data(as_text=True)
    assert f'href="/correct?commune={GENT}&amp;lang=nl"' in commune
    few = client.get("/initiative/vdab?lang=fr").get_data(as_text=True)
    assert 'href="/correct?site=vdab-gent&amp;lang=fr"' in few
    many = client.get("/initiative/cpas-ocmw?lang=en").get_data(as_text=True)  # 565 sites: a choice, not a list
    form = form_fields(many, "/correct")
    assert form["site"] and form["lang"] == ["en"]
    followed = client.get(f"/correct?site={form['site'][0]}&lang=en")
    assert followed.status_code == 200 and 'name="report"' in followed.get_data(as_text=True)


@pytest.mark.parametrize(
    "lang, title, closed",
    [
        ("fr", "Signaler une correction", "Il a fermé"),
        ("nl", "Een correctie melden", "Het is gesloten"),
        ("en", "Report a correction", "It has closed"),
    ],
)
def test_the_form_speaks_each_language(client, lang, title, closed):
    for query in ("site=vdab-gent", f"commune={GENT}", "commune=Luik"):
        page = client.get(f"/correct?{query}&lang={lang}")
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and f"<h1>{title}</h1>" in text and closed in text
        assert page.headers["Cache-Control"] == "no-store"
    chooser = client.get(f"/correct?lang={lang}").get_data(as_text=True)
    assert 'name="commune"' in chooser and 'method="post"' not in chooser


def test_an_unknown_site_is_404_and_an_unknown_commune_is_said(client):
    assert client.get("/correct?site=no-such-site").status_code == 404
    page = client.get("/correct?commune=Atlantis&lang=en")
    assert page.status_code == 404 and "&#39;Atlantis&#39; is not a known Belgian commune." in page.get_data(
        as_text=True
    )


def test_bad_fields_get_a_summary_linked_to_each_field_and_store_nothing(client, store):
    before = _rows(store)
    response = send_report(client, "site=vdab-gent", lang="fr", report="moved", evidence_url="www.vdab")
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and _rows(store) == before
    summary = text[text.index('id="error-summary"') : text.index("</div>", text.index('id="error-summary"'))]
    assert 'role="alert"' in text[text.index('<div class="error-summary"') :][:200]
    assert re.findall(r'href="#([a-z_]+)"', summary) == ["address", "evidence_url"]
    assert "Indiquez la nouvelle adresse, le code postal ou la commune." in summary
    assert "Le formulaire comporte 2 problèmes" in summary
    for field in ("address", "evidence_url"):
        assert re.search(rf'id="{field}"[^>]* aria-invalid="true" aria-describedby="error-{field}"', text)
        assert f'id="error-{field}"' in text
    assert 'id="postcode"' in text and not re.search(r'id="postcode"[^>]*aria-invalid', text)
    assert 'document.getElementById("error-summary").focus()' in text
    nonce = re.search(r"<script nonce=\"([^\"]+)\">document", text).group(1)
    assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
    assert 'value="www.vdab"' in text, "the values sent are shown again"


def test_csrf_honeypot_size_and_rate_limits_protect_the_form(client, store):
    before = _rows(store)
    page = client.get("/correct?site=vdab-gent").get_data(as_text=True)
    form = form_fields(page, "/correct") | {"report": ["closed"], "evidence_text": ["Closed for good."]}
    assert client.post("/correct", data={**form, "csrf_token": "forged"}).status_code == 400
    assert client.post("/correct", data={**form, "homepage": "http://spam.example"}).status_code == 400
    assert client.post("/correct", data={**form, "description": "x" * (3 * 1024 * 1024)}).status_code == 413
    stuffed = client.post("/correct", data={**form, **{f"f{i}": "x" for i in range(60)}})
    assert stuffed.status_code == 413
    limits = dict(store.limits)
    store.limits["submit"] = RateLimit(0, timedelta(hours=1))  # the nominations' budget, shared
    try:
        limited = client.post("/correct", data=form)
    finally:
        store.limits.update(limits)
    assert limited.status_code == 429
    assert _rows(store) == before


def test_moderation_of_corrections_needs_a_moderator_and_a_token(app, store):
    anonymous = app.test_client()
    assert anonymous.get("/moderation/corrections/1").status_code == 303
    assert anonymous.post("/moderation/corrections/1/approve").status_code == 401
    moderator = app.test_client()
    login(moderator, store)
    assert moderator.post("/moderation/corrections/1/reject", data={"reason": "x"}).status_code == 400


@pytest.fixture(scope="module")
def published(app):
    """One round of reports and decisions, then one new snapshot (as every server's poll builds
    it): a move approved, a closure approved, a missing site added, a report rejected, a
    missing service turned into a nomination, and a list imported."""
    from geo_service.store import EXTENSION

    store = app.extensions[EXTENSION]
    reporter, moderator = app.test_client(), app.test_client()
    login(moderator, store)
    refs = {
        "moved": reference_of(
            reporter,
            send_report(
                reporter,
                "site=vdab-gent",
                report="moved",
                address="Bondgenotenlaan 1",
                postcode="3000",
                place="Leuven",
                evidence_url="https://www.vdab.be/vindeenjob/leuven",
                contact_email=REPORTER,
            ),
        ),
        "closed": reference_of(
            reporter,
            send_report(reporter, "site=vdab-kortrijk", lang="nl", report="closed", evidence_text="Deur dicht."),
        ),
        "exists": reference_of(
            reporter,
            send_report(
                reporter,
                f"commune={LIEGE}",
                lang="fr",
                site="",
                report="exists",
                name="Forem Liège Natalis",
                address="Rue Natalis 2",
                postcode="4020",
                evidence_url="https://www.leforem.be/liege",
            ),
        ),
        "rejected": reference_of(
            reporter, send_report(reporter, "site=vdab-hasselt", report="closed", evidence_text="I think so.")
        ),
        "converted": reference_of(
            reporter,
            send_report(
                reporter,
                f"commune={GENT}",
                site="",
                report="exists",
                name="Taalcafé Dampoort",
                evidence_text="Every Tuesday",
            ),
        ),
    }
    queue = moderator.get("/moderation/").get_data(as_text=True)
    responses = {
        "queue": queue,
        "moved": decide(moderator, store, refs["moved"]),
        "closed": decide(moderator, store, refs["closed"]),
        "exists_without_initiative": decide(moderator, store, refs["exists"]),
        "exists": decide(moderator, store, refs["exists"], initiative="le-forem"),
        "rejected": decide(moderator, store, refs["rejected"], "reject", reason="No evidence"),
        "converted": moderator.post(
            f"/moderation/corrections/{int(refs['converted'][2:])}/convert",
            data={"csrf_token": hidden(moderator.get("/moderation/").data, "csrf_token")},
        ),
        "nomination_page": moderator.get(f"/moderation/{int(refs['moved'][2:])}"),
        "via_nominations": moderator.post(
            f"/moderation/{int(refs['rejected'][2:])}/approve",
            data={"csrf_token": hidden(moderator.get("/moderation/").data, "csrf_token")},
        ),
    }
    record = {
        "id": "taalcafe-leuven",
        "name": "Taalcafé Leuven",
        "kind": "citizen_initiative",
        "themes": ["language"],
        "target_groups": ["newcomers"],
        "scope": "local",
        "status": "active",
        "sources": [{"url": "https://example.org/taalcafe", "publisher": "Example"}],
        "places": [{"place": LEUVEN}],
    }
    batch = store.import_records([record], "test", "list.csv", via="command", digest="d1")
    imported_at = datetime.now(UTC)
    snapshot = app.extensions["geo_service"].refresh()
    return {"refs": refs, "responses": responses, "snapshot": snapshot, "batch": batch, "imported_at": imported_at}


def test_the_queue_lists_corrections_beside_nominations(published):
    queue = published["responses"]["queue"]
    table = queue[queue.index('id="corrections-queue"') :]
    for reference in published["refs"].values():
        assert reference in table
    nominations = queue[queue.index('id="queue"') : queue.index('id="corrections-queue"')]
    assert "C-0" not in nominations and "vdab-gent" not in nominations


def test_decisions_are_stored_with_the_change_and_the_old_values(published, store):
    responses, refs = published["responses"], published["refs"]
    assert responses["moved"].status_code == 303 and responses["closed"].status_code == 303
    assert responses["exists_without_initiative"].status_code == 422
    assert "Choose the initiative or network the site belongs to." in responses["exists_without_initiative"].get_data(
        as_text=True
    )
    assert responses["exists"].status_code == 303 and responses["rejected"].status_code == 303
    assert responses["via_nominations"].status_code == 409, "a correction is approved with its change only"
    assert (
        responses["nomination_page"].headers["Location"].endswith(f"/moderation/corrections/{int(refs['moved'][2:])}")
    )
    moved = correction(store, int(refs["moved"][2:]))
    assert moved.status == "approved" and moved.data["change"]["action"] == "update"
    assert moved.data["previous"] == {
        "address": None,
        "postcode": None,
        "place": GENT,
        "precision": "commune",
        "last_confirmed": moved.data["previous"]["last_confirmed"],
    }
    assert correction(store, int(refs["rejected"][2:])).status == "rejected"
    converted = correction(store, int(refs["converted"][2:]))
    assert converted.status == "converted"
    nomination_id = int(converted.decision_reason.rsplit("N-", 1)[1])
    nomination = store.get(nomination_id)
    assert nomination.origin == "form" and nomination.status == "pending"
    assert nomination.data["name"] == "Taalcafé Dampoort" and nomination.data["places"][0]["nis"] == GENT
    assert responses["converted"].headers["Location"].endswith(f"/moderation/{nomination_id}/edit")


def test_approved_corrections_change_the_catalogue_without_a_restart(published):
    sites = published["snapshot"].catalogue.sites
    today = datetime.now(UTC).date().isoformat()
    gent = sites.loc["vdab-gent"]
    assert (gent["nis"], gent["address"], gent["postcode"], gent["precision"]) == (
        LEUVEN,
        "Bondgenotenlaan 1",
        "3000",
        "commune",
    )
    assert gent["last_confirmed"] == today and gent["sources"][0]["url"] == "https://www.vdab.be/vindeenjob/leuven"
    assert len(gent["sources"]) > 1, "the older sources stay"
    kortrijk = sites.loc["vdab-kortrijk"]
    assert (kortrijk["status"], kortrijk["closed_on"]) == ("closed", today)
    added = sites.loc[f"le-forem-correction-{int(published['refs']['exists'][2:])}"]
    assert (added["initiative_id"], added["nis"], added["name"]) == ("le-forem", LIEGE, "Forem Liège Natalis")
    assert sites.loc["vdab-hasselt", "status"] != "closed", "a rejected report changes nothing"


def test_the_commune_pages_show_what_changed_there(client, published):
    leuven = client.get(f"/commune/{LEUVEN}?lang=en").get_data(as_text=True)
    history = leuven[leuven.index('id="history"') :]
    assert "Moved" in history and "VDAB" in history and published["refs"]["moved"] in history
    assert "Added" in history and "Taalcafé Leuven" in history and published["batch"].reference in history
    gent = client.get(f"/commune/{GENT}?lang=fr").get_data(as_text=True)
    assert "Déplacé" in gent[gent.index('id="history"') :]
    kortrijk = client.get(f"/commune/{KORTRIJK}?lang=nl").get_data(as_text=True)
    assert "Gesloten" in kortrijk[kortrijk.index('id="history"') :]
    hasselt = client.get("/commune/71022?lang=en").get_data(as_text=True)
    assert published["refs"]["rejected"] not in hasselt
    assert f'href="/changes?commune={LEUVEN}&amp;f=atom&amp;lang=en"' in leuven


def test_the_feed_lists_todays_changes_and_an_import_made_a_minute_ago(client, published):
    today = published["imported_at"].date().isoformat()
    response = client.get(f"/changes?since={today}&f=json")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    body = orjson.loads(response.data)
    snapshot = published["snapshot"]
    assert body["version"] == snapshot.version and body["built_at"].startswith(today)
    assert response.headers["X-Data-Version"] == snapshot.version
    by_reference = {(c["reference"], c["what"]): c for c in body["changes"]}
    refs = published["refs"]
    imported = by_reference[(published["batch"].reference, "added")]
    assert imported["origin"] == "import" and imported["initiative"] == "taalcafe-leuven"
    assert imported["communes"] == [{"nis": LEUVEN, "name": "Leuven"}]
    moved = by_reference[(refs["moved"], "moved")]
    assert moved["origin"] == "correction" and moved["site"] == "vdab-gent" and moved["date"] == today
    assert [c["nis"] for c in moved["communes"]] == [GENT, LEUVEN] and moved["previous"]["place"] == GENT
    assert moved["source"]["url"] == "https://www.vdab.be/vindeenjob/leuven"
    closed = by_reference[(refs["closed"], "closed")]
    assert closed["reason"] == "reported closed; the evidence confirms it" and closed["previous"] == {
        "status": "active"
    }
    assert (refs["exists"], "added") in by_reference
    assert not {refs["rejected"], refs["converted"]} & {c["reference"] for c in body["changes"]}
    assert REPORTER not in response.get_data(as_text=True)


def test_since_filters_the_feed(client, published):
    tomorrow = (published["imported_at"].date() + timedelta(days=1)).isoformat()
    assert orjson.loads(client.get(f"/changes?since={tomorrow}").data)["changes"] == []
    everything = orjson.loads(client.get("/changes").data)["changes"]
    dates = [c["date"] for c in everything]
    assert dates == sorted(dates, reverse=True) and len(everything) >= 4
    only_kortrijk = orjson.loads(client.get(f"/changes?commune={KORTRIJK}").data)["changes"]
    assert {c["reference"] for c in only_kortrijk} == {published["refs"]["closed"]}


def test_the_atom_feed_is_valid_and_localised(client, published):
    today = published["imported_at"].date().isoformat()
    response = client.get(f"/changes?since={today}&f=atom&lang=fr")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/atom+xml"
    json_count = orjson.loads(client.get(f"/changes?since={today}").data)["count"]
    root = assert_valid_atom(response.data, entries=json_count)
    text = response.get_data(as_text=True)
    assert "Déplacé : " in text and "http://localhost/initiative/vdab?lang=fr" in text
    assert 'rel="self"' in text and published["snapshot"].version in text
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    again = client.get(f"/changes?since={today}&f=atom&lang=fr", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("since=2026-13-01", "since"),
        ("since=last-week", "since"),
        ("f=rss", "f"),
        ("commune=99999", "commune"),
        ("limit=10", "limit"),
    ],
)
def test_bad_feed_parameters_are_400_naming_them(client, query, parameter):
    response = client.get(f"/changes?{query}&f=json" if "f=" not in query else f"/changes?{query}")
    if parameter == "f":
        response = client.get(f"/changes?{query}", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert orjson.loads(response.data)["details"]["parameter"] == parameter


def test_the_reporters_email_stays_on_the_moderators_contact_page(app, published, store):
    moderator = app.test_client()
    login(moderator, store)
    number = int(published["refs"]["moved"][2:])
    assert REPORTER in moderator.get(f"/moderation/corrections/{number}/contact").get_data(as_text=True)
    assert any(e.action == "contact_viewed" for e in store.history(number)), "each view is audited"
    for path in (
        f"/moderation/corrections/{number}",
        "/moderation/",
        "/changes",
        "/changes?f=atom",
        f"/commune/{LEUVEN}",
        "/initiative/vdab",
        "/collections/sites/items?f=json&limit=5000",
        f"/correct/received/{correction(store, number).submission_token}",
    ):
        assert REPORTER not in moderator.get(path).get_data(as_text=True), path
    assert REPORTER not in orjson.dumps(store.published(), default=vars).decode()


@pytest.mark.parametrize("path", ["/downloads/regions.csv", "/downloads/initiatives.geojson", "/changes?f=atom"])
def test_every_download_says_its_data_version_and_date(app, client, path):
    response = client.get(path)
    snapshot = app.extensions["geo_service"].snapshot()
    assert response.status_code == 200
    assert response.headers["X-Data-Version"] == snapshot.version
    assert response.headers["Last-Modified"] == snapshot.built_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
