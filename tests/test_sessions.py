"""Moderator sessions that end (issue 13 item 6): logout and a password change end every session
of the account on the server side, a login lasts a working day at most, private pages are never
cached, and a page asked for while logged out comes back after the login (issue 14)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nominations_support import backend_app_fixture, hidden, login, submit_form

from geo_service.store.changes import SESSION_LIFETIME, RateLimit

app = backend_app_fixture("sessions", login=RateLimit(10_000, timedelta(minutes=15)))


def _copy_cookie(source, target) -> None:
    target.set_cookie("session", source.get_cookie("session").value)


def _opens_queue(client) -> bool:
    response = client.get("/moderation/")
    assert response.status_code in (200, 303)
    return response.status_code == 200


def test_a_cookie_copied_before_logout_no_longer_opens_moderation(app, store):
    browser, thief = app.test_client(), app.test_client()
    assert login(browser, store, username="logout-check").status_code == 303
    _copy_cookie(browser, thief)
    assert _opens_queue(thief)  # the copy works while the session lasts...
    nomination_id = store.by_token(submit_form(app.test_client()).headers["Location"].rsplit("/", 1)[1]).id
    token = hidden(browser.get("/moderation/").data, "csrf_token")
    assert browser.post("/moderation/logout", data={"csrf_token": token}).status_code == 303
    assert not _opens_queue(thief)  # ...and not after the logout
    assert thief.get(f"/moderation/{nomination_id}/contact").status_code == 303
    assert not _opens_queue(browser)
    assert login(browser, store, username="logout-check").status_code == 303 and _opens_queue(browser)


def test_a_password_change_ends_every_session_of_the_account(app, store):
    first, other = app.test_client(), app.test_client()
    login(first, store, username="password-check")
    login(other, store, username="bystander")
    store.set_password("password-check", "a brand new password")
    assert not _opens_queue(first)
    assert _opens_queue(other)  # another moderator's session is not touched
    assert login(first, store, username="password-check", password="a brand new password").status_code == 303
    assert _opens_queue(first)


def test_a_session_ends_a_working_day_after_the_login(app, store):
    client = app.test_client()
    response = login(client, store, username="expiry-check")
    assert "Expires=" in response.headers["Set-Cookie"]  # the browser drops it too
    assert _opens_queue(client)
    with client.session_transaction() as session:
        session["moderator_since"] -= SESSION_LIFETIME.total_seconds() - 60
    assert _opens_queue(client)  # a minute before the end
    with client.session_transaction() as session:
        session["moderator_since"] -= 120
    assert not _opens_queue(client)
    assert 8 <= SESSION_LIFETIME.total_seconds() / 3600 <= 10


def test_private_pages_are_never_cached(app, store):
    client = app.test_client()
    receipt = submit_form(client)
    paths = ["/moderation/login", "/nominate", receipt.headers["Location"]]
    login(client, store, username="cache-check")
    nomination = store.list("pending")[-1]
    paths += [
        "/moderation/",
        f"/moderation/{nomination.id}",
        f"/moderation/{nomination.id}/contact",
        "/moderation/audit",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", path


def test_the_page_asked_for_comes_back_after_the_login(app, store):
    client = app.test_client()
    store_login = login(app.test_client(), store, username="next-check")  # creates the account
    assert store_login.status_code == 303
    asked = client.get("/moderation/audit")
    assert asked.status_code == 303 and asked.headers["Location"] == "/moderation/login?next=/moderation/audit"
    page = client.get(asked.headers["Location"])
    action = page.get_data(as_text=True).split('<form method="post" action="')[1].split('"')[0]
    assert action == "/moderation/login?next=/moderation/audit"  # the form keeps where to go
    response = client.post(
        action,
        data={
            "username": "next-check",
            "password": "a long enough password",
            "csrf_token": hidden(page.data, "csrf_token"),
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/moderation/audit"


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/moderation/", "/\\evil.example", "/nominate", "javascript:alert(1)"],
)
def test_the_login_never_sends_elsewhere(app, store, target):
    login(app.test_client(), store, username="next-check")
    client = app.test_client()
    page = client.get("/moderation/login")
    response = client.post(
        "/moderation/login",
        query_string={"next": target},
        data={
            "username": "next-check",
            "password": "a long enough password",
            "csrf_token": hidden(page.data, "csrf_token"),
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/moderation/"
