"""Server-side checks of a nomination form, one clear message per field.

Input is the form as ``{field: [values]}`` (what any web framework gives); output is the
nomination's public data and, separately, the submitter's private contact. Every error carries an
English ``reason`` plus a ``template`` and ``params`` so the web layer can translate it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date

from ..catalogue.vocab import SCOPES, TARGET_GROUPS, THEMES
from ..errors import GeoServiceError, PayloadTooLarge, ValidationFailed

MAX_PLACES = 10
LIMITS = {
    "name": 200,
    "description": 5000,
    "address": 300,
    "website": 300,
    "contact_name": 200,
    "contact_email": 254,
    "contact_phone": 40,
}
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
URL = re.compile(r"^https?://[^\s<>\"]+\.[^\s<>\"]+$", re.IGNORECASE)
POSTCODE = re.compile(r"^[1-9][0-9]{3}$")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
Form = Mapping[str, list[str]]  # pragma: no mutate (used only in postponed annotations: equivalent)
# How many values each field of the form may carry (one unless listed); any more and the request
# did not come from the form: it is refused before any validation or rendering.
REPEATED = {
    "place": MAX_PLACES,
    "address": MAX_PLACES,
    "postcode": MAX_PLACES,
    "themes": len(THEMES),
    "target_groups": len(TARGET_GROUPS),
}
MAX_FIELDS = 40  # distinct field names; the form has about 25
MAX_VALUES = sum(REPEATED.values()) + MAX_FIELDS  # all values of one form, whatever their fields


def check_count(values: int) -> None:
    """PayloadTooLarge when a form carries more values than any form of ours can (counted on the
    raw body, before it is parsed)."""
    if values > MAX_VALUES:
        raise PayloadTooLarge(
            f"The form has {values} values; it has at most {MAX_VALUES}. Reload the form and send it again."
        )


def check_shape(form: Form) -> None:
    """PayloadTooLarge unless every field has at most as many values as the form can send.
    Cheap (no validation, no lookup), so a request with 100,000 values costs almost nothing."""
    if len(form) > MAX_FIELDS:
        raise PayloadTooLarge(
            f"The form has {len(form)} different fields; it has at most {MAX_FIELDS}. "
            "Reload the form and send it again."
        )
    for field, values in form.items():
        allowed = REPEATED.get(field, 1)
        if len(values) > allowed:
            raise PayloadTooLarge(
                f"The form has {len(values)} values for '{field[:40]}'; it allows at most "
                f"{allowed}. Reload the form and send it again.",
                field=field[:40],
            )


class FieldErrors(list):
    """A form's problems, each with its field, an English reason and the template and params the
    web layer translates (shared by the nomination and correction forms)."""

    def add(self, field: str, template: str, **params) -> None:
        self.append(
            {
                "field": field,
                "reason": template % params if params else template,
                "template": template,
                "params": params,
            }
        )


def first_value(form: Form, field: str) -> str:
    values = form.get(field) or [""]
    return (values[0] or "").strip()


def text_value(form: Form, field: str, errors: FieldErrors, required: bool, limit: int | None = None) -> str | None:
    """The field's text, stripped; None when empty (an error when ``required``); an error when longer
    than ``limit`` (default: the field's entry in LIMITS)."""
    value = first_value(form, field)
    limit = limit or LIMITS[field]
    if not value:
        if required:
            errors.add(field, "This field is required.")
        return None
    if len(value) > limit:
        errors.add(field, "At most %(max)s characters (%(length)s given).", max=limit, length=len(value))
    return value


def _int(form: Form, field: str, errors: FieldErrors, low: int, high: int) -> int | None:
    value = first_value(form, field)
    if not value:
        return None
    if not re.fullmatch(r"\d{1,8}", value) or not low <= int(value) <= high:
        errors.add(field, "Give a whole number between %(low)s and %(high)s.", low=low, high=high)
        return None
    return int(value)


def _choices(form: Form, field: str, allowed: tuple[str, ...], errors: FieldErrors) -> list[str]:
    values = [v for v in (form.get(field) or []) if v]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        errors.add(field, "Unknown choice: %(values)s.", values=", ".join(unknown)[:200])
    return [v for v in allowed if v in values]


def resolve_commune(name: str, resolve: Callable[[str], str], errors: FieldErrors, field: str) -> str | None:
    """The NIS code of the commune ``name``, or None with the reason added to ``errors`` under ``field``
    (several communes match; an unknown name, with close names when there are some)."""
    try:
        return resolve(name)
    except GeoServiceError as exc:
        candidates = ", ".join(exc.details.get("candidates") or [])
        if exc.code == "AmbiguousName":
            errors.add(
                field, "'%(name)s' matches several communes: %(candidates)s.", name=name[:100], candidates=candidates
            )
        elif candidates:
            errors.add(
                field,
                "'%(name)s' is not a known Belgian commune; did you mean %(candidates)s?",
                name=name[:100],
                candidates=candidates,
            )
        else:
            errors.add(field, "'%(name)s' is not a known Belgian commune.", name=name[:100])
        return None


def _places(form: Form, resolve: Callable[[str], str], errors: FieldErrors) -> list[dict]:
    names, addresses, postcodes = (form.get(k) or [] for k in ("place", "address", "postcode"))
    rows = max(len(names), len(addresses), len(postcodes))
    places = []
    for i in range(min(rows, MAX_PLACES + 1)):
        name = (names[i] if i < len(names) else "").strip()
        address = (addresses[i] if i < len(addresses) else "").strip() or None
        postcode = (postcodes[i] if i < len(postcodes) else "").strip() or None
        if not name:
            if address or postcode:
                errors.add(f"place[{i}]", "Give the commune of this address.")
            continue
        if address and len(address) > LIMITS["address"]:
            errors.add(
                f"address[{i}]",
                "At most %(max)s characters (%(length)s given).",
                max=LIMITS["address"],
                length=len(address),
            )
        if postcode and not POSTCODE.fullmatch(postcode):
            errors.add(f"postcode[{i}]", "A Belgian postcode has four digits.")
        nis = resolve_commune(name, resolve, errors, f"place[{i}]")
        if nis is None:
            continue
        places.append({"nis": nis, "place": name, "address": address, "postcode": postcode})
    if len([n for n in names if n.strip()]) > MAX_PLACES:
        errors.add("place", "At most %(max)s communes per nomination.", max=MAX_PLACES)
    if not places and not any(e["field"].startswith("place") for e in errors):
        errors.add("place", "Give at least one commune where the initiative is active.")
    return places


def submission_token(form: Form, errors: FieldErrors) -> str:
    """The form's hidden random token (a resubmission of the same form is recognised by it)."""
    token = first_value(form, "submission_token")
    if not TOKEN.fullmatch(token):
        errors.add("submission_token", "The form is incomplete; reload the page and submit again.")
    return token


def clean_public(form: Form, resolve: Callable[[str], str], errors: FieldErrors | None = None) -> dict:
    """The public part of a nomination (what a moderator may edit and what gets published)."""
    own = errors is None
    errors = FieldErrors() if own else errors
    data = {
        "name": text_value(form, "name", errors, required=True),
        "description": text_value(form, "description", errors, required=True),
        "places": _places(form, resolve, errors),
        "themes": _choices(form, "themes", THEMES, errors),
        "target_groups": _choices(form, "target_groups", TARGET_GROUPS, errors),
        "scope": first_value(form, "scope") or None,
        "start_year": _int(form, "start_year", errors, 1800, date.today().year),
        "website": text_value(form, "website", errors, required=False),
        "volunteers": _int(form, "volunteers", errors, 0, 1_000_000),
        "beneficiaries": _int(form, "beneficiaries", errors, 0, 10_000_000),
    }
    if data["name"] is not None and len(data["name"]) < 2:
        errors.add("name", "At least %(min)s characters.", min=2)
    if not data["themes"] and not any(e["field"] == "themes" for e in errors):
        errors.add("themes", "Choose at least one theme.")
    if data["scope"] not in SCOPES:
        errors.add("scope", "Choose local, regional or national.")
    if data["website"] and not URL.fullmatch(data["website"]):
        errors.add("website", "Give a full web address starting with http:// or https://.")
    if own and errors:
        raise ValidationFailed(f"The nomination has {len(errors)} problem(s)", errors=list(errors))
    return data


def clean_submission(form: Form, resolve: Callable[[str], str]) -> tuple[dict, dict, str]:
    """(public data, private contact, submission token) of a public form, or ValidationFailed."""
    errors = FieldErrors()
    data = clean_public(form, resolve, errors)
    contact = {
        "name": text_value(form, "contact_name", errors, required=False),
        "email": text_value(form, "contact_email", errors, required=True),
        "phone": text_value(form, "contact_phone", errors, required=False),
    }
    if contact["email"] and not EMAIL.fullmatch(contact["email"]):
        errors.add("contact_email", "Give a valid e-mail address.")
    if first_value(form, "consent") not in ("yes", "on", "1", "true"):
        errors.add("consent", "Please agree that we may publish the initiative's details.")
    token = submission_token(form, errors)
    if errors:
        raise ValidationFailed(f"The nomination has {len(errors)} problem(s)", errors=list(errors))
    return data, contact, token
