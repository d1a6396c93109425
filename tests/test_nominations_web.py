"""The nomination form and moderation pages through the Flask test client, on SQLite and on
PostgreSQL: round trip to publication, bad input (each with its status, message and an unchanged
database), CSRF, access control, import, and the contact never leaving the moderation pages."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from nominations_support import CONTACT_EMAIL, CONTACT_PHONE, backend_app_fixture, hidden, login, submit_form
from sqlalchemy import func, select

from geo_service.catalogue.vocab import SCOPES, THEMES
from geo_service.store.changes import RateLimit
from geo_service.store.models import AuditEvent, Nomination

app = backend_app_fixture("nominations", submit=RateLimit(10_000, timedelta(hours=1)))


def _rows(store) -> tuple[int, int]:
    with store.sessions() as s:
        return s.scalar(select(func.count()).select_from(Nomination)), s.scalar(
            select(func.count()).select_from(AuditEvent)
        )


@pytest.mark.slow
def test_round_trip_to_publication(app, client, store):
    response = submit_form(client, lang="nl", name="Taalcafé <Buren>")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    reference = page.get_data(as_text=True).split('id="reference">')[1].split("<")[0]
    nomination_id = int(reference.removeprefix("N-"))
    assert store.get(nomination_id).status == "pending"
    assert login(client, store).status_code == 303
    queue = client.get("/moderation/")
    assert queue.status_code == 200 and "Taalcafé &lt;Buren&gt;" in queue.get_data(as_text=True)
    detail = client.get(f"/moderation/{nomination_id}")
    approved = client.post(
        f"/moderation/{nomination_id}/approve", data={"csrf_token": hidden(detail.data, "csrf_token")}
    )
    assert approved.status_code == 303
    snapshot = app.extensions["geo_service"].refresh()
    if snapshot.catalogue is not None:
        assert f"nomination-{nomination_id}" in snapshot.catalogue.initiatives.index
        sites = snapshot.catalogue.sites
        assert set(sites[sites["initiative_id"] == f"nomination-{nomination_id}"]["nis"]) == {"62063"}
    items = client.get("/collections/initiatives/items?f=json&limit=1000")
    if items.status_code == 404:
        pytest.xfail("/collections/initiatives/items is not served yet (API issue)")
    assert f"nomination-{nomination_id}" in items.get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides, field_message",
    [
        ({"name": ""}, "This field is required."),
        ({"place": ["Atlantis"]}, "&#39;Atlantis&#39; is not a known Belgian commune"),
        ({"consent": ""}, "Please agree"),
    ],
)
def test_bad_fields_get_422_with_a_message_and_store_nothing(client, store, overrides, field_message):
    before = _rows(store)
    response = submit_form(client, **overrides)
    assert response.status_code == 422
    assert field_message in response.get_data(as_text=True)
    assert _rows(store) == before


def test_messages_follow_the_page_language(client, store):
    response = submit_form(client, lang="fr", name="")
    assert response.status_code == 422 and "Ce champ est obligatoire." in response.get_data(as_text=True)


def test_oversized_body_gets_413_with_a_message(client, store):
    before = _rows(store)
    page = client.get("/nominate")
    response = client.post(
        "/nominate", data={"csrf_token": hidden(page.data, "csrf_token"), "description": "x" * (10 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True).lower()
    assert _rows(store) == before


def test_missing_or_wrong_csrf_token_gets_400(client, store):
    before = _rows(store)
    page = client.get("/nominate")
    for token in (None, "forged"):
        form = {"submission_token": hidden(page.data, "submission_token"), "name": "x"}
        if token:
            form["csrf_token"] = token
        response = client.post("/nominate", data=form)
        assert response.status_code == 400
        assert "security token" in response.get_data(as_text=True)
    assert _rows(store) == before


def test_honeypot_gets_400_and_stores_nothing(client, store):
    before = _rows(store)
    response = submit_form(client, homepage="http://spam.example")
    assert response.status_code == 400 and "must stay empty" in response.get_data(as_text=True)
    assert _rows(store) == before


def test_rate_limit_gets_429(app, client, store):
    store.limits["submit"] = RateLimit(0, timedelta(hours=1))
    try:
        before = _rows(store)
        response = submit_form(client)
        assert response.status_code == 429 and "Too many requests" in response.get_data(as_text=True)
        assert _rows(store) == before
    finally:
        store.limits["submit"] = RateLimit(10_000, timedelta(hours=1))


def test_resubmitting_the_same_form_does_not_duplicate(client, store):
    page = client.get("/nominate")
    from nominations_support import valid_form

    form = valid_form(
        csrf_token=hidden(page.data, "csrf_token"), submission_token=hidden(page.data, "submission_token")
    )
    first, second = client.post("/nominate", data=form), client.post("/nominate", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/moderation"),
        ("get", "/moderation/"),
        ("get", "/moderation/1"),
        ("get", "/moderation/1/contact"),
        ("get", "/moderation/audit"),
        ("post", "/moderation/1/approve"),
        ("post", "/moderation/1/reject"),
        ("get", "/moderation/import"),
        ("post", "/moderation/logout"),
    ],
)
def test_anonymous_requests_to_moderation_change_nothing(app, method, path, store):
    """A page goes to the login form (with next=, issue 14); an action gets 401 with a message."""
    client = app.test_client()
    before = _rows(store)
    response = getattr(client, method)(path, data={"reason": "spam"} if method == "post" else None)
    if method == "get":
        assert response.status_code == 303
        location = response.headers["Location"]
        assert location.startswith("/moderation/login?next=") and "/moderation" in location[len("/moderation/login") :]
        assert client.get(location).status_code == 200
    else:
        assert response.status_code == 401
        assert "Log in as a moderator" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert _rows(store) == before


def test_moderator_post_without_csrf_gets_400(app, store):
    client = app.test_client()
    login(client, store)
    nomination_id = int(submit_form(client).headers["Location"] and store.list("pending")[-1].id)
    before = _rows(store)
    response = client.post(f"/moderation/{nomination_id}/approve")
    assert response.status_code == 400
    assert _rows(store) == before and store.get(nomination_id).status == "pending"


def test_disabled_moderator_gets_403(app, store):
    client = app.test_client()
    login(client, store, username="moderator-disabled")
    with store.sessions.begin() as s:
        from geo_service.store.models import Moderator

        s.execute(Moderator.__table__.update().where(Moderator.username == "moderator-disabled").values(active=False))
    assert client.get("/moderation/").status_code == 403


def test_wrong_password_gets_401(app, store):
    client = app.test_client()
    response = login(client, store, password="a long enough password")  # creates the account
    client = app.test_client()
    page = client.get("/moderation/login")
    response = client.post(
        "/moderation/login",
        data={
            "username": "moderator1",
            "password": "wrong password 123",
            "csrf_token": hidden(page.data, "csrf_token"),
        },
    )
    assert response.status_code == 401 and "wrong password" in response.get_data(as_text=True)


def test_script_in_description_is_stored_as_text_and_shown_escaped(app, client, store):
    payload = "<script>alert('pwned')</script>"
    response = submit_form(client, description=f"Helps newcomers {payload}")
    nomination = store.by_token(response.headers["Location"].rsplit("/", 1)[1])
    assert nomination.data["description"].endswith(payload)
    login(client, store)
    for path in (f"/moderation/{nomination.id}", f"/moderation/{nomination.id}/edit", "/moderation/audit"):
        html = client.get(path).get_data(as_text=True)
        assert payload not in html, path
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in client.get(f"/moderation/{nomination.id}").get_data(
        as_text=True
    )


def test_edit_and_reject_through_the_pages(app, client, store):
    response = submit_form(client)
    nomination = store.by_token(response.headers["Location"].rsplit("/", 1)[1])
    login(client, store)
    page = client.get(f"/moderation/{nomination.id}/edit")
    form = {
        "name": "Renamed café",
        "description": nomination.data["description"],
        "place": ["Gent"],
        "themes": ["language"],
        "scope": "regional",
    }
    form["csrf_token"] = hidden(page.data, "csrf_token")
    assert client.post(f"/moderation/{nomination.id}/edit", data=form).status_code == 303
    edited = store.get(nomination.id)
    assert edited.data["name"] == "Renamed café" and edited.data["places"][0]["nis"] == "44021"
    bad = client.post(f"/moderation/{nomination.id}/edit", data={**form, "place": ["Atlantis"]})
    assert bad.status_code == 422 and store.get(nomination.id).data["name"] == "Renamed café"
    rejected = client.post(
        f"/moderation/{nomination.id}/reject", data={"csrf_token": form["csrf_token"], "reason": "Duplicate"}
    )
    assert rejected.status_code == 303 and store.get(nomination.id).status == "rejected"
    again = client.post(f"/moderation/{nomination.id}/approve", data={"csrf_token": form["csrf_token"]})
    assert again.status_code == 409 and store.get(nomination.id).status == "rejected"


def test_bulk_import_is_all_or_nothing(app, client, store):
    import io

    login(client, store)
    token = hidden(client.get("/moderation/import").data, "csrf_token")
    bad = "name,place,themes,source_publisher\nGood one,Gent,language,Test list\nBad one,Atlantis,language,Test list\n"
    before = _rows(store)
    response = client.post(
        "/moderation/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "list.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "Atlantis" in response.get_data(as_text=True)
    assert _rows(store) == before
    good = "name,place,themes,source_publisher\nImported café,Namur,language,Test list\n"
    response = client.post(
        "/moderation/import",
        data={"csrf_token": token, "file": (io.BytesIO(good.encode()), "list.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and 'id="import-done"' in response.get_data(as_text=True)
    assert any(r["name"] == "Imported café" for r in store.records())


def test_session_cookie_is_httponly_and_samesite_lax(app, store):
    client = app.test_client()
    response = login(client, store)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.slow
def test_contact_never_leaves_the_moderation_contact_page(app, client, store):
    response = submit_form(client)
    nomination = store.by_token(response.headers["Location"].rsplit("/", 1)[1])
    login(client, store)
    token = hidden(client.get(f"/moderation/{nomination.id}").data, "csrf_token")
    client.post(f"/moderation/{nomination.id}/approve", data={"csrf_token": token})
    app.extensions["geo_service"].refresh()
    assert CONTACT_EMAIL in client.get(f"/moderation/{nomination.id}/contact").get_data(as_text=True)
    paths = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
    }
    paths |= {
        f"/moderation/{nomination.id}",
        f"/moderation/{nomination.id}/edit",
        "/collections/initiatives/items",
        "/collections/initiatives/items?f=json&limit=1000",
        "/collections/sites/items?f=json&limit=5000",
    }
    checked = 0
    for path in sorted(paths):
        try:
            body = client.get(path).get_data(as_text=True)
        except Exception:  # another part's page failing is that part's test's business, not this one's
            continue
        checked += 1
        assert CONTACT_EMAIL not in body and CONTACT_PHONE not in body and "Private Person" not in body, path
    assert checked >= 8
    assert CONTACT_EMAIL not in repr(store.records())


class _Elements(HTMLParser):
    """Every element with an id, by id (attributes as a dict), the elements described by another
    (``described``), and how many carry role="alert"."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.described: list[dict] = []
        self.alerts = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if "id" in attributes:
            assert attributes["id"] not in self.by_id, f"duplicate id {attributes['id']}"
            self.by_id[attributes["id"]] = {"tag": tag, **attributes}
        if "aria-describedby" in attributes:
            self.described.append({"tag": tag, **attributes})
        self.alerts += attributes.get("role") == "alert"


def test_refused_form_has_one_summary_linked_to_fields_marked_invalid(client, store):
    response = submit_form(
        client,
        lang="fr",
        name="",
        description="",
        place=["", "Namur", ""],
        postcode=["", "12", ""],
        themes=[],
        scope="",
        website="example",
        contact_email="",
        consent="",
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    page = _Elements(text)
    assert page.alerts == 1, "one alert: the summary, not one per field"
    summary = text[text.index('id="error-summary"') : text.index("</div>", text.index('id="error-summary"'))]
    assert page.by_id["error-summary"]["tabindex"] == "-1"
    assert "Le formulaire comporte 8 problèmes" in summary
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert [anchor for anchor, _text in links] == [
        "name",
        "description",
        "postcode-1",
        "themes-" + THEMES[0],
        "scope-" + SCOPES[0],
        "website",
        "contact_email",
        "consent",
    ]
    texts = dict(links)
    assert texts["name"] == "Nom : Ce champ est obligatoire."
    assert texts["postcode-1"].startswith("Code postal 2 : ")
    assert texts["contact_email"].startswith("Votre adresse e-mail : ")
    # every link leads to an element of the page; a field at fault says so and names its message
    own_message = {
        "name": "name",
        "description": "description",
        "postcode-1": "postcode[1]",
        "website": "website",
        "contact_email": "contact_email",
        "consent": "consent",
    }
    for anchor, field in own_message.items():
        element = page.by_id[anchor]
        assert element["aria-invalid"] == "true", anchor
        assert element["aria-describedby"] == f"error-{field}", anchor
        assert f"error-{field}" in page.by_id
    for group in ("themes", "scope"):  # a group of boxes: the group is marked, its first box linked
        marked = [e for e in page.described if e["aria-describedby"] == f"error-{group}"]
        assert len(marked) == 1 and marked[0]["aria-invalid"] == "true"
        assert page.by_id[f"{group}-{(THEMES if group == 'themes' else SCOPES)[0]}"]["tag"] == "input"
    assert "aria-invalid" not in page.by_id["address-1"] and "aria-invalid" not in page.by_id["contact_phone"]
    assert text.count("Les champs marqués d'un * sont obligatoires.") == 1
    assert text.index('id="required-note"') < text.index('<form method="post"')
    nonce = re.search(r'<script nonce="([^"]+)">document.getElementById\("error-summary"\).focus', text).group(1)
    assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]


def test_the_first_commune_row_carries_the_missing_commune_message(client, store):
    text = submit_form(client, lang="nl", place=["", "", ""]).get_data(as_text=True)
    page = _Elements(text)
    assert re.findall(r'<a href="#([^"]+)">', text) == ["place-0"]
    assert page.by_id["place-0"]["aria-invalid"] == "true"
    assert page.by_id["place-0"]["aria-describedby"] == "error-place"
    assert "Het formulier bevat 1 probleem" in text
