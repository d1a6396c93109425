"""A moderator's decision on a correction, as the site change the catalogue applies
(docs/architecture.md: action, site, initiative, fields, reason, source).

The moderator confirms what to do: ``close`` the site (reported closed, or not existing where the
map shows it), ``update`` it with the corrected values (moved, wrong details) or ``add`` a site of
a chosen initiative (a service the map misses). The evidence becomes the change's source, dated
today, and an updated or added site is ``last_confirmed`` today. Only the values that differ from
the site as published go into an update, and the values they replace are returned with it, so
the history keeps them. A site whose address or commune changes without new coordinates is placed
at its commune (precision ``commune``): its old point no longer holds, and none is invented.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..errors import GeoServiceError, ValidationFailed
from ..nominations.validation import EMAIL, POSTCODE, URL, FieldErrors, Form, first_value, resolve_commune, text_value

ACTIONS = ("close", "update", "add")
DEFAULT_ACTION = {"closed": "close", "not_exists": "close", "moved": "update", "details": "update", "exists": "add"}
# Why a site was closed, in English like every reason of a site change (pages translate the frame).
CLOSE_REASONS = {
    "closed": "reported closed; the evidence confirms it",
    "not_exists": "reported not to exist at this place; the evidence confirms it",
}
PUBLISHER = "geo_service corrections"
LIMITS = {
    "name": 200,
    "address": 300,
    "place": 100,
    "opening_hours": 200,
    "phone": 40,
    "email": 254,
    "website": 300,
    "reason": 300,
    "publisher": 200,
    "evidence_url": 500,
    "evidence_text": 2000,
}
CONTACTS = ("phone", "email", "website")
PRECISIONS = ("exact", "street")


def form_values(data: dict, site: dict | None, commune_label: Callable[[str], str]) -> dict[str, list[str]]:
    """The moderator's form, filled in: what the reporter proposes over the site as published."""
    proposed, site = data.get("proposed") or {}, site or {}
    contacts = site.get("contacts") or {}
    place = proposed.get("place") or site.get("nis") or data.get("commune")
    values = {
        "action": DEFAULT_ACTION.get(data.get("report"), "update"),
        "reason": CLOSE_REASONS.get(data.get("report"), ""),
        "initiative": data.get("initiative") or "",
        "name": proposed.get("name") or site.get("name") or "",
        "address": proposed.get("address") or site.get("address") or "",
        "postcode": proposed.get("postcode") or site.get("postcode") or "",
        "place": commune_label(place) if place else "",
        "opening_hours": site.get("opening_hours") or "",
        "phone": proposed.get("phone") or contacts.get("phone") or "",
        "email": contacts.get("email") or "",
        "website": proposed.get("website") or contacts.get("website") or "",
        "publisher": PUBLISHER,
        "evidence_url": (data.get("evidence") or {}).get("url") or "",
        "evidence_text": (data.get("evidence") or {}).get("text") or "",
    }
    return {key: [value] for key, value in values.items()}


def _number(form: Form, field: str, low: float, high: float, errors: FieldErrors) -> float | None:
    text = first_value(form, field).replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        errors.add(field, "Give a number between %(low)s and %(high)s.", low=low, high=high)
        return None
    return value


def _site_values(form: Form, resolve: Callable[[str], str], errors: FieldErrors) -> dict:
    """The site values of the moderator's form, checked; an empty text stands for "none"."""
    values = {key: text_value(form, key, errors, required=False, limit=LIMITS[key]) for key in LIMITS}
    postcode = first_value(form, "postcode") or None
    if postcode and not POSTCODE.fullmatch(postcode):
        errors.add("postcode", "A Belgian postcode has four digits.")
    values["postcode"] = postcode
    values["nis"] = resolve_commune(values["place"], resolve, errors, "place") if values["place"] else None
    if values["email"] and not EMAIL.fullmatch(values["email"]):
        errors.add("email", "Give a valid e-mail address.")
    for key in ("website", "evidence_url"):
        if values[key] and not URL.fullmatch(values[key]):
            errors.add(key, "Give a full web address starting with http:// or https://.")
    lat, lon = _number(form, "lat", 49.4, 51.6, errors), _number(form, "lon", 2.5, 6.5, errors)
    if (lat is None) != (lon is None) and not any(e["field"] in ("lat", "lon") for e in errors):
        errors.add("lat", "Give both the latitude and the longitude, or neither.")
    values["point"] = (lat, lon) if lat is not None and lon is not None else None
    precision = first_value(form, "precision") or "exact"
    if precision not in PRECISIONS:
        errors.add("precision", "Choose exact or street.")
    values["precision"] = precision
    return values


def _located(values: dict, nis: str, place: Callable[[dict], object], errors: FieldErrors) -> dict:
    """The place keys of a change: the commune, and the coordinates when the moderator gives them
    (checked against Belgium and the commune, as the catalogue will check them)."""
    if values["point"] is None:
        return {"place": nis}
    spec = {"place": nis, "lat": values["point"][0], "lon": values["point"][1], "precision": values["precision"]}
    try:
        place(spec)
    except GeoServiceError as exc:
        errors.add("lat", "These coordinates cannot be used: %(reason)s", reason=exc.message)
    return spec


def _contacts(values: dict, old: dict | None) -> dict | None:
    kept = {key: value for key, value in (old or {}).items() if key not in CONTACTS and value}
    return {**kept, **{key: values[key] for key in CONTACTS if values[key]}} or None


def site_change(
    reference: str,
    row_id: int,
    form: Form,
    site: dict | None,
    *,
    resolve: Callable[[str], str],
    place: Callable[[dict], object],
    initiatives: Mapping[str, str],
    today: str,
) -> tuple[dict, dict]:
    """(the site change, the values it replaces) for the moderator's ``form`` on correction
    ``reference`` (row ``row_id``) about ``site`` (:func:`geo_service.corrections.site_summary`,
    None for a report of a missing service), or ValidationFailed with one message per field.
    ``place(spec)`` raises when coordinates do not fit their commune; ``initiatives``: id -> name."""
    errors = FieldErrors()
    action = first_value(form, "action")
    if action not in ACTIONS:
        errors.add("action", "Choose close, update or add.")
    elif action != "add" and site is None:
        errors.add("action", "This site is no longer in the catalogue: only adding a site is possible.")
    values = _site_values(form, resolve, errors)
    change: dict = {"action": action, "site": site["id"] if site else None, "fields": {}, "reason": None}
    previous: dict = {}
    if action == "close" and site is not None:
        change["initiative"] = site["initiative"]
        change["reason"] = values["reason"]
        if not values["reason"]:
            errors.add("reason", "Say why the site is closed.")
        previous = {"status": site["status"]}
    elif action == "update" and site is not None:
        change["initiative"] = site["initiative"]
        change["fields"], previous = _update(values, site, place, errors, today)
    elif action == "add":
        initiative = first_value(form, "initiative")
        if initiative not in initiatives:
            errors.add("initiative", "Choose the initiative or network the site belongs to.")
        if values["nis"] is None and not any(e["field"] == "place" for e in errors):
            errors.add("place", "This field is required.")
        change["initiative"], change["site"] = initiative, f"{initiative}-correction-{row_id}"
        fields = {key: values[key] for key in ("name", "address", "postcode", "opening_hours") if values[key]}
        if values["nis"]:
            fields.update(_located(values, values["nis"], place, errors))
        contacts = _contacts(values, None)
        fields.update({"contacts": contacts} if contacts else {}, status="active", last_confirmed=today)
        change["fields"] = fields
    if errors:
        raise ValidationFailed(f"The decision has {len(errors)} problem(s)", errors=list(errors))
    note = f"correction {reference}, approved on {today}"
    change["source"] = {
        "publisher": values["publisher"] or PUBLISHER,
        "url": values["evidence_url"],
        "date": today,
        "licence": None,
        "note": f"{note}: {values['evidence_text']}" if values["evidence_text"] else note,
    }
    return change, previous


def _update(
    values: dict, site: dict, place: Callable[[dict], object], errors: FieldErrors, today: str
) -> tuple[dict, dict]:
    """The fields of an update that differ from ``site``, and their values before."""
    fields = {}
    if values["name"] and values["name"] != site["name"]:
        fields["name"] = values["name"]
    for key in ("address", "postcode", "opening_hours"):
        if values[key] != site.get(key):
            fields[key] = values[key]
    contacts = _contacts(values, site.get("contacts"))
    if contacts != (site.get("contacts") or None):
        fields["contacts"] = contacts
    nis = values["nis"] or site["nis"]
    if values["point"] is not None or nis != site["nis"] or {"address", "postcode"} & set(fields):
        fields.update(_located(values, nis, place, errors))
    if not fields and not errors:
        errors.add("action", "Nothing differs from the site as published: change a value, or reject the report.")
    previous = {key: site.get("nis" if key == "place" else key) for key in fields if key not in ("lat", "lon")}
    previous.pop("precision", None)
    if "place" in fields:
        previous["precision"] = site["precision"]
    previous["last_confirmed"] = site.get("last_confirmed")
    fields["last_confirmed"] = today
    return fields, previous
