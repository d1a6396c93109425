"""Server-side checks of the public correction form, one clear message per field (the nomination
form's mechanism: :mod:`geo_service.nominations.validation`).

Input is the form as ``{field: [values]}``; output is the report's public data (what is wrong,
about which site or commune, the values the reporter proposes, the evidence) and, separately,
the reporter's optional e-mail address, which is private like a nominator's contact.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import ValidationFailed
from ..nominations.validation import (
    EMAIL,
    POSTCODE,
    URL,
    FieldErrors,
    Form,
    first_value,
    resolve_commune,
    submission_token,
    text_value,
)
from . import ABOUT_A_SITE, REPORTS

LIMITS = {
    "name": 200,
    "address": 300,
    "place": 100,
    "commune": 100,
    "phone": 40,
    "website": 300,
    "description": 2000,
    "evidence_url": 500,
    "evidence_text": 2000,
    "contact_email": 254,
}
PHONE = re.compile(r"^\+?[0-9][0-9 ./()-]{5,39}$")
# the values a reporter may propose, in the order a moderator sees them
PROPOSED = ("name", "address", "postcode", "place", "phone", "website")


def _text(form: Form, field: str, errors: FieldErrors) -> str | None:
    return text_value(form, field, errors, required=False, limit=LIMITS[field])


def _proposed(form: Form, resolve: Callable[[str], str], errors: FieldErrors) -> dict:
    values = {field: _text(form, field, errors) for field in ("name", "address", "phone", "website")}
    postcode = first_value(form, "postcode") or None
    if postcode and not POSTCODE.fullmatch(postcode):
        errors.add("postcode", "A Belgian postcode has four digits.")
    values["postcode"] = postcode
    place = _text(form, "place", errors)
    values["place"] = resolve_commune(place, resolve, errors, "place") if place else None
    if values["phone"] and not PHONE.fullmatch(values["phone"]):
        errors.add("phone", "Give a phone number with digits only (spaces, dots and a leading + allowed).")
    if values["website"] and not URL.fullmatch(values["website"]):
        errors.add("website", "Give a full web address starting with http:// or https://.")
    return {field: values[field] for field in PROPOSED if values[field]}


def clean_report(
    form: Form, site_of: Callable[[str], dict | None], resolve: Callable[[str], str]
) -> tuple[dict, dict | None, str]:
    """(public data, private contact or None, submission token) of a correction, or ValidationFailed.

    ``site_of(id)``: the site as :func:`geo_service.corrections.site_summary` gives it, or None;
    ``resolve(name)``: the NIS code of a commune name or code (the catalogue's place resolver)."""
    errors = FieldErrors()
    report = first_value(form, "report")
    if report not in REPORTS:
        errors.add("report", "Choose what is wrong.")
    site_id, site = first_value(form, "site") or None, None
    if site_id:
        site = site_of(site_id)
        if site is None:
            errors.add("site", "This site is no longer in the catalogue; start again from the commune's page.")
    elif report in ABOUT_A_SITE:
        errors.add("site", "Choose the site this report is about.")
    commune = site["nis"] if site else None
    named = _text(form, "commune", errors)
    if commune is None and named:
        commune = resolve_commune(named, resolve, errors, "commune")
    proposed = _proposed(form, resolve, errors)
    description = _text(form, "description", errors)
    if report == "exists":
        commune = proposed.get("place") or commune
        if commune is None and not any(e["field"] in ("commune", "place") for e in errors):
            errors.add("place", "Give the commune where the service is.")
        if "name" not in proposed and not any(e["field"] == "name" for e in errors):
            errors.add("name", "Give the name of the service.")
    elif report == "moved" and not {"address", "postcode", "place"} & set(proposed):
        if not any(e["field"] in ("address", "postcode", "place") for e in errors):
            errors.add("address", "Give the new address, postcode or commune.")
    elif report == "details" and not (proposed or description):
        errors.add("description", "Say which details are wrong and what they should be.")
    evidence = {"url": _text(form, "evidence_url", errors), "text": _text(form, "evidence_text", errors)}
    if evidence["url"] and not URL.fullmatch(evidence["url"]):
        errors.add("evidence_url", "Give a full web address starting with http:// or https://.")
    if not evidence["url"] and not evidence["text"] and not any(e["field"].startswith("evidence") for e in errors):
        errors.add(
            "evidence_url", "Give a web page or a short text that shows it, for example the operator's announcement."
        )
    email = _text(form, "contact_email", errors)
    if email and not EMAIL.fullmatch(email):
        errors.add("contact_email", "Give a valid e-mail address.")
    token = submission_token(form, errors)
    if errors:
        raise ValidationFailed(f"The correction has {len(errors)} problem(s)", errors=list(errors))
    data = {
        "report": report,
        "site": site_id,
        "initiative": site["initiative"] if site else None,
        "site_name": site["name"] if site else None,
        "commune": commune,
        "proposed": proposed,
        "description": description,
        "evidence": evidence,
    }
    return data, ({"email": email} if email else None), token
