"""Thin blueprints over geo_service.nominations: the public form (``bp``, /nominate) and the
moderation pages (``moderation``, /moderation/...). Every POST needs a CSRF token; moderation
pages need a logged-in moderator whose session is still valid (a GET goes to the login page,
anything else gets 401). Every response of both is ``Cache-Control: no-store``."""

from __future__ import annotations

import time
import uuid
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale, gettext
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from ..catalogue.vocab import SCOPES, TARGET_GROUPS, THEMES
from ..errors import GeoServiceError, ValidationFailed
from ..mapviews.labels import GROUP_LABELS, SCOPE_LABELS, THEME_LABELS
from ..nominations.validation import MAX_PLACES, REPEATED, check_count, check_shape, clean_public, clean_submission
from ..store import EXTENSION
from ..store.changes import client_key
from ..store.corrections import corrections as stored_corrections
from ..store.errors import NotAuthenticated, SpamRejected
from ..store.published import RECORD_ORIGINS

bp = Blueprint("nominate", __name__)
moderation = Blueprint("moderation", __name__, url_prefix="/moderation")
HONEYPOT = "homepage"
# English labels of the codes a form or the moderation pages show: the catalogue's one vocabulary
# (mapviews/labels.py) and the moderation states, translated through the .po files.
LABELS = {
    **THEME_LABELS,
    **GROUP_LABELS,
    **SCOPE_LABELS,
    "pending": "Pending",
    "approved": "Approved",
    "rejected": "Rejected",
    "converted": "Turned into a nomination",  # a correction (web/corrections.py)
    "all": "All",
    # a harvest's diff (docs/harvest.md)
    "add": "Add",
    "update": "Update",
    "close": "Close",
    "unchanged": "Unchanged",
}


class CsrfFailed(GeoServiceError):
    status = 400
    code = "CSRFTokenInvalid"


# Multipart bodies (the import page) are parsed by Werkzeug within these bounds; url-encoded
# forms are bounded by ``check_count`` (all values, before parsing) and ``check_shape`` (per field).
FORM_LIMITS = {"MAX_FORM_PARTS": 100, "MAX_FORM_MEMORY_SIZE": 64 * 1024}


@bp.record_once
def _form_limits(state) -> None:
    for key, value in FORM_LIMITS.items():
        state.app.config[key] = min(state.app.config.get(key) or value, value)


def store():
    return current_app.extensions[EXTENSION]


def _client() -> str:
    """Rate-limit key of this request's client: a keyed hash of the address, never the address."""
    return client_key(request.remote_addr, current_app.secret_key)


def resolver():
    holder = current_app.extensions["geo_service"]
    catalogue = holder.snapshot().catalogue
    if catalogue.resolver is not None:
        return catalogue.resolver
    from ..catalogue.placenames import PlaceResolver

    return current_app.extensions.setdefault("geo_service.place_resolver", PlaceResolver(holder.base.boundaries))


@lru_cache(maxsize=4)
def _commune_names(app_id: int) -> tuple[str, ...]:
    communes = current_app.extensions["geo_service.base"].boundaries.communes
    names = {n for col in ("name_nl", "name_fr", "name_de") for n in communes[col].dropna() if n}
    return tuple(sorted(names))


def _check_csrf() -> None:
    if request.method != "POST":
        return
    try:
        validate_csrf(request.form.get("csrf_token") or request.headers.get("X-CSRFToken"))
    except ValidationError as exc:
        raise CsrfFailed(
            gettext(
                "The form's security token is invalid (%(reason)s). Reload the page and submit again.",
                reason=gettext(str(exc)),
            )
        ) from None


def _form_context(values=None, errors=(), **extra) -> dict:
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error["field"], []).append(gettext(error["template"], **error.get("params", {})))
    # Never more values than the form has (check_shape refuses more; this keeps the page bounded anyway).
    values = {k: list(v)[: REPEATED.get(k, 1)] for k, v in (values or {}).items()}
    return {
        "values": values,
        "errors": by_field,
        "max_places": MAX_PLACES,
        "themes": THEMES,
        "target_groups": TARGET_GROUPS,
        "scopes": SCOPES,
        "communes": _commune_names(id(current_app._get_current_object())),
        "csrf_token": generate_csrf(),
        **extra,
    }


@bp.context_processor
@moderation.context_processor
def _shared_context():
    return {
        "moderator_name": session.get("moderator_name"),
        "csrf_token": generate_csrf(),
        "label": lambda code: gettext(LABELS.get(code, code)),
    }


@bp.before_request
def _refuse_stuffed_forms():
    """A url-encoded body with more values than the form has is refused before it is parsed (and
    the refusal counts in the rate limit): parsing 100,000 fields alone takes a noticeable time."""
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        try:
            check_count(request.get_data(cache=True).count(b"&") + 1)  # parsing the form reuses these bytes
        except GeoServiceError:
            store().count_failure(_client())
            raise


bp.before_request(_check_csrf)


@bp.after_request
@moderation.after_request
def _private(response):
    """Forms carry a CSRF token, receipts and moderation pages private data: no cache keeps them."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _too_large(_exc):
    """Werkzeug's generic 413 text says nothing about forms: say what to do instead."""
    limit = round(current_app.config["MAX_CONTENT_LENGTH"] / 1024 / 1024, 1)
    message = gettext(
        "The form is too large: the service accepts at most %(limit)s MiB. Shorten the text or the "
        "file and send it again.",
        limit=limit,
    )
    return render_template("error.html", status=413, code="PayloadTooLarge", message=message), 413


bp.register_error_handler(413, _too_large)
moderation.register_error_handler(413, _too_large)


@bp.get("/nominate")
def form():
    return render_template("nominate/form.html", **_form_context(submission_token=uuid.uuid4().hex))


@bp.post("/nominate")
def submit():
    client = _client()
    store().check_rate("submit", client)  # a spent budget is refused before any work
    form_data = request.form.to_dict(flat=False)
    try:
        check_shape(form_data)
        if any(v.strip() for v in form_data.get(HONEYPOT, [])):
            raise SpamRejected(gettext("The submission was rejected: a field that must stay empty was filled in."))
        data, contact, token = clean_submission(form_data, resolver().resolve)
    except GeoServiceError as exc:
        store().count_failure(client)  # refused posts count in the rate limit too
        if not isinstance(exc, ValidationFailed):
            raise
        token = (form_data.get("submission_token") or [""])[0]
        context = _form_context(form_data, exc.details["errors"], submission_token=token or uuid.uuid4().hex)
        return render_template("nominate/form.html", **context), 422
    nomination = store().submit(data, contact, token, str(get_locale() or "en"), client)
    return redirect(url_for("nominate.received", token=nomination.submission_token), code=303)


@bp.get("/nominate/received/<token>")
def received(token: str):
    nomination = store().by_token(token)
    if nomination is None:
        from ..errors import NotFound

        raise NotFound(gettext("No nomination with this confirmation link."))
    return render_template("nominate/received.html", nomination=nomination)


# --- moderation ------------------------------------------------------------------------------


def _moderator():
    return store().active_moderator(
        session.get("moderator_id"), session.get("moderator_version"), session.get("moderator_since")
    )


def _safe_next(target: str | None) -> str:
    """Where to go after the login: a moderation page of this site, never another site."""
    parts = urlsplit(target or "")
    if (
        target
        and not parts.scheme
        and not parts.netloc
        and "\\" not in target
        and parts.path.startswith("/moderation/")
        and not target.startswith("//")
    ):
        return target
    return url_for("moderation.queue")


@moderation.before_request
def _guard():
    if request.endpoint not in ("moderation.login",):
        try:
            _moderator()
        except NotAuthenticated:
            session.pop("moderator_id", None)
            if request.method in ("GET", "HEAD"):
                return redirect(url_for("moderation.login", next=request.full_path.rstrip("?")), code=303)
            raise
    _check_csrf()


@moderation.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            moderator = store().authenticate(
                request.form.get("username", ""), request.form.get("password", ""), _client()
            )
        except GeoServiceError as exc:
            if exc.status == 429:
                raise
            error = gettext("Unknown moderator name or wrong password.")
            return render_template("nominate/login.html", error=error, csrf_token=generate_csrf()), exc.status
        session.clear()
        session.permanent = True  # the cookie expires with the session (PERMANENT_SESSION_LIFETIME)
        session.update(
            moderator_id=moderator.id,
            moderator_name=moderator.username,
            moderator_version=moderator.session_version,
            moderator_since=time.time(),
        )
        return redirect(_safe_next(request.args.get("next")), code=303)
    return render_template("nominate/login.html", error=error, csrf_token=generate_csrf())


@moderation.post("/logout")
def logout():
    """Ends every session of this moderator on the server side: a copy of the cookie stops working too."""
    moderator = _moderator()
    store().end_sessions(moderator.id, moderator.username)
    session.clear()
    return redirect(url_for("moderation.login"), code=303)


@moderation.get("", endpoint="root")
def _root():
    """/moderation without the slash: straight to the queue (or, logged out, to the login page)."""
    return redirect(url_for("moderation.queue"), code=303)


@moderation.get("/")
def queue():
    status = request.args.get("status", "pending")
    if status not in ("pending", "approved", "rejected", "all"):
        from ..errors import InvalidParameter

        raise InvalidParameter(gettext("Unknown status filter."))
    chosen = None if status == "all" else status
    return render_template(
        "nominate/queue.html",
        nominations=store().list(chosen, origins=RECORD_ORIGINS),
        corrections=stored_corrections(store(), chosen),
        status=status,
        counts=store().counts(origins=RECORD_ORIGINS),
        csrf_token=generate_csrf(),
    )


@moderation.get("/<int:nomination_id>")
def detail(nomination_id: int):
    nomination = store().get(nomination_id)
    if nomination.origin == "correction":  # decided on its own page (web/corrections.py)
        return redirect(url_for("correction_moderation.detail", correction_id=nomination_id), code=303)
    return render_template(
        "nominate/detail.html",
        nomination=nomination,
        history=store().history(nomination_id),
        csrf_token=generate_csrf(),
        communes=_commune_names(id(current_app._get_current_object())),
    )


@moderation.get("/<int:nomination_id>/contact")
def contact(nomination_id: int):
    """The submitter's contact, shown to a moderator on request; each view is audited."""
    nomination = store().reveal_contact(nomination_id, _moderator().username)
    return render_template("nominate/contact.html", nomination=nomination)


@moderation.post("/<int:nomination_id>/approve")
def approve(nomination_id: int):
    store().approve(nomination_id, _moderator().username)
    return redirect(url_for("moderation.detail", nomination_id=nomination_id), code=303)


@moderation.post("/<int:nomination_id>/reject")
def reject(nomination_id: int):
    store().reject(nomination_id, _moderator().username, request.form.get("reason", ""))
    return redirect(url_for("moderation.detail", nomination_id=nomination_id), code=303)


@moderation.route("/<int:nomination_id>/edit", methods=["GET", "POST"])
def edit(nomination_id: int):
    nomination = store().get(nomination_id)
    if request.method == "POST":
        form_data = request.form.to_dict(flat=False)
        check_shape(form_data)
        try:
            data = clean_public(form_data, resolver().resolve)
        except ValidationFailed as exc:
            return render_template(
                "nominate/edit.html", nomination=nomination, **_form_context(form_data, exc.details["errors"])
            ), 422
        store().edit(nomination_id, _moderator().username, data)
        return redirect(url_for("moderation.detail", nomination_id=nomination_id), code=303)
    return render_template("nominate/edit.html", nomination=nomination, **_form_context(_as_form(nomination.data)))


def _as_form(data: dict) -> dict[str, list[str]]:
    places = data.get("places") or []
    form = {
        k: [str(data[k])]
        for k in ("name", "description", "scope", "start_year", "website", "volunteers", "beneficiaries")
        if data.get(k) is not None
    }
    form.update(
        themes=list(data.get("themes") or []),
        target_groups=list(data.get("target_groups") or []),
        place=[p["place"] for p in places],
        address=[p.get("address") or "" for p in places],
        postcode=[p.get("postcode") or "" for p in places],
    )
    return form


@moderation.route("/import", methods=["GET", "POST"])
def bulk_import():
    if request.method == "GET":
        return render_template("nominate/import.html", csrf_token=generate_csrf(), errors=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        from ..errors import InvalidParameter

        raise InvalidParameter(gettext("Choose a CSV or GeoJSON file to import."))
    from ..catalogue.importer import import_file

    boundaries = current_app.extensions["geo_service.base"].boundaries
    try:
        created = import_file(
            store(),
            upload.read(),
            upload.filename,
            boundaries,
            _moderator().username,
            via="moderation",
            resolver=resolver(),
        )
    except ValidationFailed as exc:
        return render_template(
            "nominate/import.html", csrf_token=generate_csrf(), errors=exc.details.get("errors"), message=exc.message
        ), 422
    return render_template("nominate/import.html", csrf_token=generate_csrf(), errors=None, created=created)


@moderation.get("/audit")
def audit():
    return render_template("nominate/audit.html", events=store().audit())


@moderation.get("/batches")
def batches():
    """The register harvests: date, source, network, snapshot, counts (docs/harvest.md)."""
    from ..store.harvests import harvests

    return render_template("nominate/batches.html", batches=harvests(store()), batch=None, csrf_token=generate_csrf())


@moderation.get("/batches/<reference>")
def batch(reference: str):
    """One harvest batch with its whole diff, its rejected units and its source."""
    from ..store.harvests import harvest_batch

    found, changes = harvest_batch(store(), reference)
    return render_template(
        "nominate/batches.html", batches=None, batch=found, changes=changes, csrf_token=generate_csrf()
    )
