"""Thin blueprints over :mod:`geo_service.corrections`: the public correction form (``bp``,
``/correct?site=ID`` or ``/correct?commune=NIS``) and its moderation (``moderation``,
``/moderation/corrections/<id>``). The nomination pages' protections apply unchanged (the same
functions of :mod:`geo_service.web.nominate`): CSRF token, honeypot, size and field-count limits,
the shared per-client rate limit, ``Cache-Control: no-store``, moderators' sessions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext

from ..catalogue.sites import SitePlacer
from ..corrections import site_summary
from ..corrections.approval import form_values, site_change
from ..corrections.form import clean_report
from ..errors import GeoServiceError, NotFound, ValidationFailed
from ..nominations.validation import check_shape
from ..store.corrections import approve_correction, convert_correction, correction, reject_correction
from . import nominate
from .changes import commune_names
from .context import current_snapshot
from .nominate import HONEYPOT, resolver, store

bp = Blueprint("corrections", __name__)
moderation = Blueprint("correction_moderation", __name__, url_prefix="/moderation/corrections")

for blueprint in (bp, moderation):
    blueprint.after_request(nominate._private)
    blueprint.register_error_handler(413, nominate._too_large)
    blueprint.context_processor(nominate._shared_context)
bp.add_app_template_global(lambda code: report_labels().get(code, code), "correction_report_label")
bp.before_request(nominate._refuse_stuffed_forms)
bp.before_request(nominate._check_csrf)
moderation.before_request(nominate._guard)


def report_labels() -> dict[str, str]:
    """What a reporter can say is wrong, in the page's language."""
    return {
        "closed": gettext("It has closed"),
        "moved": gettext("It has moved"),
        "details": gettext("Its details are wrong (name, address, phone, website...)"),
        "exists": gettext("This service exists here but the map does not show it"),
        "not_exists": gettext("It does not exist here"),
    }


def _names():
    """(commune names in the page's language, the catalogue) of the current snapshot."""
    return commune_names(str(get_locale() or "en")), current_snapshot().catalogue


def _subject(site_id: str | None, commune: str | None) -> dict:
    """What the form is about: a site (with its initiative and commune) or a commune (with its sites)."""
    names, catalogue = _names()
    site = site_summary(catalogue.sites, site_id) if site_id else None
    if site_id and site is None:
        raise NotFound(gettext("No site has the id %(id)s.", id=site_id[:80]))
    nis = site["nis"] if site else commune
    sites = catalogue.sites[catalogue.sites["nis"] == nis] if nis else catalogue.sites.iloc[:0]
    initiatives = catalogue.initiatives["name"]
    return {
        "site": site,
        "initiative_name": initiatives.get(site["initiative"]) if site else None,
        "commune": nis,
        "commune_name": names.get(nis) if nis else None,
        "sites": [
            {"id": sid, "name": row["name"], "initiative": initiatives.get(row["initiative_id"], "")}
            for sid, row in sites.sort_values("name").iterrows()
        ],
    }


def _form_page(subject: dict, values=None, errors=(), status: int = 200, token: str | None = None):
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error["field"], []).append(gettext(error["template"], **error.get("params", {})))
    values = {k: list(v)[:1] for k, v in (values or {}).items()}
    page = render_template(
        "corrections/form.html",
        subject=subject,
        values=values,
        errors=by_field,
        reports=report_labels(),
        submission_token=token or uuid.uuid4().hex,
        communes=nominate._commune_names(id(current_app._get_current_object())),
    )
    return page, status


@bp.get("/correct")
def form():
    site_id, commune = request.args.get("site") or None, request.args.get("commune") or None
    if commune:
        try:
            commune = resolver().resolve(commune)
        except GeoServiceError:
            return _form_page(
                _subject(None, None),
                {"commune": [commune]},
                [
                    {
                        "field": "commune",
                        "template": "'%(name)s' is not a known Belgian commune.",
                        "params": {"name": commune[:100]},
                    }
                ],
                status=404,
            )
    return _form_page(_subject(site_id, commune))


@bp.post("/correct")
def submit():
    client = nominate._client()
    store().check_rate("submit", client)  # a spent budget is refused before any work
    form_data = request.form.to_dict(flat=False)
    snap = current_snapshot()
    try:
        check_shape(form_data)
        if any(v.strip() for v in form_data.get(HONEYPOT, [])):
            from ..store.errors import SpamRejected

            raise SpamRejected(gettext("The submission was rejected: a field that must stay empty was filled in."))
        data, contact, token = clean_report(
            form_data, lambda site_id: site_summary(snap.catalogue.sites, site_id), resolver().resolve
        )
    except GeoServiceError as exc:
        store().count_failure(client)  # refused posts count in the rate limit too
        if not isinstance(exc, ValidationFailed):
            raise
        first = lambda name: (form_data.get(name) or [""])[0]  # noqa: E731
        site_id = first("site")
        subject = _subject(
            site_id if site_summary(snap.catalogue.sites, site_id) else None, _commune_of(first("commune"))
        )
        return _form_page(subject, form_data, exc.details["errors"], 422, first("submission_token") or None)
    row = store().submit(data, contact, token, str(get_locale() or "en"), client, origin="correction")
    return redirect(url_for("corrections.received", token=row.submission_token), code=303)


def _commune_of(text: str) -> str | None:
    try:
        return resolver().resolve(text) if text else None
    except GeoServiceError:
        return None


@bp.get("/correct/received/<token>")
def received(token: str):
    row = store().by_token(token)
    if row is None or row.origin != "correction":
        raise NotFound(gettext("No correction with this confirmation link."))
    return render_template("corrections/received.html", row=row, reports=report_labels())


# --- moderation ------------------------------------------------------------------------------


def _placer() -> SitePlacer:
    snap = current_snapshot()
    return snap.derived(
        ("corrections.placer",), lambda: SitePlacer(snap.base.boundaries, snap.catalogue.resolver or resolver())
    )


def _detail(correction_id: int, values=None, errors=(), status: int = 200):
    row = correction(store(), correction_id)
    names, catalogue = _names()
    site = site_summary(catalogue.sites, row.data.get("site")) if row.data.get("site") else None
    label = lambda nis: names.get(nis, nis)  # noqa: E731
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error["field"], []).append(gettext(error["template"], **error.get("params", {})))
    return render_template(
        "corrections/detail.html",
        row=row,
        data=row.data,
        site=site,
        commune_name=label,
        reports=report_labels(),
        values=values or form_values(row.data, site, label),
        errors=by_field,
        initiatives=sorted(zip(catalogue.initiatives.index, catalogue.initiatives["name"]), key=lambda i: i[1]),
        history=store().history(correction_id),
    ), status


@moderation.get("/<int:correction_id>")
def detail(correction_id: int):
    return _detail(correction_id)


@moderation.post("/<int:correction_id>/approve")
def approve(correction_id: int):
    row = correction(store(), correction_id)
    catalogue = current_snapshot().catalogue
    site = site_summary(catalogue.sites, row.data.get("site")) if row.data.get("site") else None
    form_data = request.form.to_dict(flat=False)
    check_shape(form_data)
    try:
        change, previous = site_change(
            row.reference,
            row.id,
            form_data,
            site,
            resolve=resolver().resolve,
            place=_placer().place,
            initiatives=dict(zip(catalogue.initiatives.index, catalogue.initiatives["name"])),
            today=datetime.now(UTC).date().isoformat(),
        )
    except ValidationFailed as exc:
        return _detail(correction_id, form_data, exc.details["errors"], 422)
    approve_correction(store(), correction_id, nominate._moderator().username, change, previous)
    return redirect(url_for("correction_moderation.detail", correction_id=correction_id), code=303)


@moderation.post("/<int:correction_id>/reject")
def reject(correction_id: int):
    reject_correction(store(), correction_id, nominate._moderator().username, request.form.get("reason", ""))
    return redirect(url_for("correction_moderation.detail", correction_id=correction_id), code=303)


@moderation.post("/<int:correction_id>/convert")
def convert(correction_id: int):
    """A service missing from the map, best described as a new initiative: a pending nomination
    made of the report, for the moderator to complete (themes, scope...) and approve."""
    row = correction(store(), correction_id)
    data, proposed = row.data, row.data.get("proposed") or {}
    names, _catalogue = _names()
    nis = proposed.get("place") or data.get("commune")
    place = {
        "nis": nis,
        "place": names.get(nis, nis),
        "address": proposed.get("address"),
        "postcode": proposed.get("postcode"),
    }
    nomination = convert_correction(
        store(),
        correction_id,
        nominate._moderator().username,
        {
            "name": proposed.get("name") or data.get("site_name") or "",
            "description": data.get("description") or "",
            "places": [place] if nis else [],
            "themes": [],
            "target_groups": [],
            "scope": "local",
            "start_year": None,
            "website": proposed.get("website"),
            "volunteers": None,
            "beneficiaries": None,
        },
    )
    return redirect(url_for("moderation.edit", nomination_id=nomination.id), code=303)


@moderation.get("/<int:correction_id>/contact")
def contact(correction_id: int):
    """The reporter's e-mail address, shown to a moderator on request; each view is audited."""
    correction(store(), correction_id)
    row = store().reveal_contact(correction_id, nominate._moderator().username)
    return render_template("corrections/contact.html", row=row)
