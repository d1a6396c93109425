"""The nomination form's checks (``geo_service/nominations/validation.py``), each outcome read
exactly: which field, the exact message, its template parameters and the values kept.

Written so that mutation testing (mutmut, docs/testing.md) finds no change of a limit, a
comparison or a message that these tests let through. Fast: no app and no boundaries; places are
resolved by a stand-in that raises the same typed errors as the real resolver.
"""

from __future__ import annotations

from datetime import date

import pytest

from geo_service.catalogue.placenames import UnknownPlace
from geo_service.catalogue.vocab import SCOPES, TARGET_GROUPS, THEMES
from geo_service.errors import AmbiguousName, GeoServiceError, PayloadTooLarge, ValidationFailed
from geo_service.nominations import validation
from geo_service.nominations.validation import check_count, check_shape, clean_public, clean_submission

# The limits as specified (not read from the module, so that a changed limit fails here).
MAX_PLACES = 10
MAX_FIELDS = 40
LIMITS = dict(  # noqa: C408 (keyword form: compact)
    name=200, description=5000, address=300, website=300, contact_name=200, contact_email=254, contact_phone=40
)
TOKEN = "Ab0_-" * 4  # 20 characters of the allowed alphabet
STAND_IN = {f"Town{i}": f"code-{i}" for i in range(1, 13)}  # test names, not real communes


def resolve(name: str) -> str:
    """Stand-in for ``PlaceResolver.resolve``: the same outcomes and the same error types."""
    if name.startswith("Twin"):
        raise AmbiguousName(f"'{name}' matches 2 communes", candidates=["Twin North (code-a)", "Twin South (code-b)"])
    if name.startswith("Towm"):
        raise UnknownPlace(f"'{name}' is not a known Belgian commune or section", candidates=["Town1 (code-1)"])
    if name == "Broken":
        raise GeoServiceError("no details at all")
    if name in STAND_IN:
        return STAND_IN[name]
    raise UnknownPlace(f"'{name}' is not a known Belgian commune or section", candidates=[])


def form(**fields) -> dict[str, list[str]]:
    """A complete, valid form; ``field=None`` removes a field, a string stands for one value."""
    base = {
        "name": "Language café",
        "description": "Weekly conversation tables.",
        "place": "Town1",
        "themes": "language",
        "scope": "local",
        "contact_email": "someone@example.org",
        "consent": "yes",
        "submission_token": TOKEN,
    }
    base.update(fields)
    return {k: v if isinstance(v, list) else [v] for k, v in base.items() if v is not None}


def problems(values: dict) -> list[tuple[str, str]]:
    """(field, reason) of every problem ``clean_submission`` reports, in order."""
    with pytest.raises(ValidationFailed) as info:
        clean_submission(values, resolve)
    errors = info.value.details["errors"]
    assert info.value.message == f"The nomination has {len(errors)} problem(s)"
    assert info.value.status == 422
    return [(e["field"], e["reason"]) for e in errors]


def public(values: dict) -> tuple[dict, list[dict]]:
    """What ``clean_public`` keeps when it collects its problems in a caller's list."""
    errors = validation.FieldErrors()
    data = clean_public(values, resolve, errors)
    return data, list(errors)


# --- a valid form ---------------------------------------------------------------------------


def test_a_complete_form_keeps_every_value_exactly():
    values = form(
        name="  Language café  ",
        description="Weekly conversation tables.",
        place=["Town2", "", "Town1"],
        address=["Rue Haute 1", "", ""],
        postcode=[" 1000 ", "", ""],
        themes=["social_contact", "", "language"],
        target_groups=["youth", "refugees"],
        scope="regional",
        start_year="1800",
        website="HTTPS://Example.org/cafe",
        volunteers="0",
        beneficiaries="10000000",
        contact_name="Ann",
        contact_email="ann@example.org",
        contact_phone="+32 2 000 00 00",
        consent="on",
    )
    data, contact, token = clean_submission(values, resolve)
    assert data == {
        "name": "Language café",
        "description": "Weekly conversation tables.",
        "places": [
            {"nis": "code-2", "place": "Town2", "address": "Rue Haute 1", "postcode": "1000"},
            {"nis": "code-1", "place": "Town1", "address": None, "postcode": None},
        ],
        "themes": ["language", "social_contact"],  # in the vocabulary's order, never the unticked ones
        "target_groups": ["refugees", "youth"],
        "scope": "regional",
        "start_year": 1800,
        "website": "HTTPS://Example.org/cafe",
        "volunteers": 0,
        "beneficiaries": 10_000_000,
    }
    assert contact == {"name": "Ann", "email": "ann@example.org", "phone": "+32 2 000 00 00"}
    assert token == TOKEN


def test_a_minimal_form_leaves_the_optional_values_empty():
    data, contact, token = clean_submission(form(), resolve)
    assert data == {
        "name": "Language café",
        "description": "Weekly conversation tables.",
        "places": [{"nis": "code-1", "place": "Town1", "address": None, "postcode": None}],
        "themes": ["language"],
        "target_groups": [],
        "scope": "local",
        "start_year": None,
        "website": None,
        "volunteers": None,
        "beneficiaries": None,
    }
    assert contact == {"name": None, "email": "someone@example.org", "phone": None}
    assert token == TOKEN


def test_every_theme_and_target_group_can_be_ticked():
    data, _, _ = clean_submission(form(themes=list(THEMES), target_groups=list(TARGET_GROUPS)), resolve)
    assert data["themes"] == list(THEMES) and data["target_groups"] == list(TARGET_GROUPS)


# --- required fields and lengths --------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "description", "contact_email"])
@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_required_field_missing_or_blank_is_named(field, value):
    with pytest.raises(ValidationFailed) as info:
        clean_submission(form(**{field: value}), resolve)
    assert info.value.details["errors"] == [
        {"field": field, "reason": "This field is required.", "template": "This field is required.", "params": {}}
    ]


@pytest.mark.parametrize("field", ["website", "contact_name", "contact_phone"])
def test_an_optional_field_may_be_blank(field):
    data, contact, _ = clean_submission(form(**{field: "  "}), resolve)
    assert data["website"] is None and contact["name"] is None and contact["phone"] is None


def _of_length(field: str, length: int) -> str:
    if field == "website":
        return "https://example.org/" + "a" * (length - len("https://example.org/"))
    if field == "contact_email":
        return "a" * (length - len("@example.org")) + "@example.org"
    return "a" * length


@pytest.mark.parametrize("field", [f for f in LIMITS if f != "address"])
def test_each_text_field_takes_its_limit_and_not_one_character_more(field):
    limit = LIMITS[field]
    data, contact, _ = clean_submission(form(**{field: _of_length(field, limit)}), resolve)
    assert len({**data, **{f"contact_{k}": v for k, v in contact.items()}}[field]) == limit
    with pytest.raises(ValidationFailed) as info:
        clean_submission(form(**{field: _of_length(field, limit + 1)}), resolve)
    assert info.value.details["errors"] == [
        {
            "field": field,
            "reason": f"At most {limit} characters ({limit + 1} given).",
            "template": "At most %(max)s characters (%(length)s given).",
            "params": {"max": limit, "length": limit + 1},
        }
    ]


def test_an_address_takes_300_characters_and_not_301():
    data, _, _ = clean_submission(form(address="a" * 300), resolve)
    assert data["places"][0]["address"] == "a" * 300
    with pytest.raises(ValidationFailed) as info:
        clean_submission(form(place=["Town1", "Town2"], address=["a", "b" * 301]), resolve)
    assert info.value.details["errors"] == [
        {
            "field": "address[1]",
            "reason": "At most 300 characters (301 given).",
            "template": "At most %(max)s characters (%(length)s given).",
            "params": {"max": 300, "length": 301},
        }
    ]


def test_a_name_needs_two_characters():
    assert clean_submission(form(name="Ab"), resolve)[0]["name"] == "Ab"
    with pytest.raises(ValidationFailed) as info:
        clean_submission(form(name="A"), resolve)
    assert info.value.details["errors"] == [
        {
            "field": "name",
            "reason": "At least 2 characters.",
            "template": "At least %(min)s characters.",
            "params": {"min": 2},
        }
    ]


# --- whole numbers ----------------------------------------------------------------------------

YEAR = date.today().year


@pytest.mark.parametrize(
    "field, low, high",
    [("start_year", 1800, YEAR), ("volunteers", 0, 1_000_000), ("beneficiaries", 0, 10_000_000)],
)
def test_whole_numbers_take_their_bounds_and_nothing_outside(field, low, high):
    assert clean_submission(form(**{field: str(low)}), resolve)[0][field] == low
    assert clean_submission(form(**{field: f" {high} "}), resolve)[0][field] == high
    expected = {
        "field": field,
        "reason": f"Give a whole number between {low} and {high}.",
        "template": "Give a whole number between %(low)s and %(high)s.",
        "params": {"low": low, "high": high},
    }
    for bad in (str(low - 1), str(high + 1), "12a", "1e3", "2.5", "99999999999"):
        with pytest.raises(ValidationFailed) as info:
            clean_submission(form(**{field: bad}), resolve)
        assert info.value.details["errors"] == [expected], bad


# --- choices ----------------------------------------------------------------------------------


def test_unknown_choices_are_listed_and_no_second_theme_message_is_added():
    assert problems(form(themes=["astrology", "language", "tarot"])) == [
        ("themes", "Unknown choice: astrology, tarot."),
    ]
    assert problems(form(target_groups=["martians"])) == [("target_groups", "Unknown choice: martians.")]


def test_a_long_unknown_choice_is_cut_in_the_message():
    with pytest.raises(ValidationFailed) as info:
        clean_submission(form(themes="x" * 300), resolve)
    [error] = info.value.details["errors"]
    assert error["params"] == {"values": "x" * 200} and error["reason"] == f"Unknown choice: {'x' * 200}."


def test_the_known_choices_of_a_mixed_list_are_kept():
    data, errors = public(form(themes=["tarot", "housing", "", "language"]))
    assert data["themes"] == ["language", "housing"]
    assert [e["field"] for e in errors] == ["themes"]


@pytest.mark.parametrize("themes", [None, "", ["", ""]])
def test_a_nomination_needs_a_theme(themes):
    assert problems(form(themes=themes)) == [("themes", "Choose at least one theme.")]


@pytest.mark.parametrize("scope", SCOPES)
def test_each_scope_is_accepted(scope):
    assert clean_submission(form(scope=scope), resolve)[0]["scope"] == scope


@pytest.mark.parametrize("scope", [None, "", "galactic", "Local"])
def test_another_scope_is_refused(scope):
    assert problems(form(scope=scope)) == [("scope", "Choose local, regional or national.")]


# --- places -----------------------------------------------------------------------------------


def test_ten_communes_are_all_kept_in_order():
    names = [f"Town{i}" for i in range(1, 11)]
    data, _, _ = clean_submission(form(place=names), resolve)
    assert [p["nis"] for p in data["places"]] == [f"code-{i}" for i in range(1, 11)]


def test_an_eleventh_commune_is_refused():
    assert problems(form(place=[f"Town{i}" for i in range(1, 12)])) == [
        ("place", "At most 10 communes per nomination.")
    ]
    with pytest.raises(ValidationFailed) as info:
        clean_submission(form(place=[f"Town{i}" for i in range(1, 12)]), resolve)
    assert info.value.details["errors"][0]["params"] == {"max": 10}


def test_the_eleventh_commune_is_still_checked_but_no_further_one():
    calls = []

    def counting(name):
        calls.append(name)
        return resolve(name)

    names = [f"Town{i}" for i in range(1, 11)] + ["Atlantis", "Lemuria"]
    with pytest.raises(ValidationFailed) as info:
        clean_submission(form(place=names), counting)
    assert [(e["field"], e["reason"]) for e in info.value.details["errors"]] == [
        ("place[10]", "'Atlantis' is not a known Belgian commune."),
        ("place", "At most 10 communes per nomination."),
    ]
    assert calls == names[:11]


def test_blank_commune_rows_are_skipped_but_an_address_needs_its_commune():
    data, _, _ = clean_submission(form(place=["", "Town2", " "], address=["", "", ""]), resolve)
    assert [p["nis"] for p in data["places"]] == ["code-2"]
    assert problems(form(place=["", "Town2"], address=["Rue Haute 1", ""])) == [
        ("place[0]", "Give the commune of this address.")
    ]
    assert problems(form(place=["", "Town2"], postcode=["1000", ""])) == [
        ("place[0]", "Give the commune of this address.")
    ]


def test_more_addresses_or_postcodes_than_communes_are_reported_not_dropped():
    assert problems(form(place="Town1", address=["Rue Haute 1", "Rue Basse 2"])) == [
        ("place[1]", "Give the commune of this address.")
    ]
    assert problems(form(place="Town1", postcode=["1000", "2000"])) == [
        ("place[1]", "Give the commune of this address.")
    ]
    assert problems(form(place=None, address="Rue Haute 1")) == [("place[0]", "Give the commune of this address.")]


@pytest.mark.parametrize("postcode", ["0999", "999", "10000", "1a00", "B-1000"])
def test_a_postcode_has_four_digits(postcode):
    assert problems(form(postcode=postcode)) == [("postcode[0]", "A Belgian postcode has four digits.")]


def test_commune_errors_name_the_commune_and_the_candidates():
    with pytest.raises(ValidationFailed) as info:
        clean_submission(form(place=["Twin", "Towm1", "Atlantis", "Broken"]), resolve)
    assert info.value.details["errors"] == [
        {
            "field": "place[0]",
            "reason": "'Twin' matches several communes: Twin North (code-a), Twin South (code-b).",
            "template": "'%(name)s' matches several communes: %(candidates)s.",
            "params": {"name": "Twin", "candidates": "Twin North (code-a), Twin South (code-b)"},
        },
        {
            "field": "place[1]",
            "reason": "'Towm1' is not a known Belgian commune; did you mean Town1 (code-1)?",
            "template": "'%(name)s' is not a known Belgian commune; did you mean %(candidates)s?",
            "params": {"name": "Towm1", "candidates": "Town1 (code-1)"},
        },
        {
            "field": "place[2]",
            "reason": "'Atlantis' is not a known Belgian commune.",
            "template": "'%(name)s' is not a known Belgian commune.",
            "params": {"name": "Atlantis"},
        },
        {
            "field": "place[3]",
            "reason": "'Broken' is not a known Belgian commune.",
            "template": "'%(name)s' is not a known Belgian commune.",
            "params": {"name": "Broken"},
        },
    ]


def test_a_long_commune_name_is_cut_in_the_message():
    long_names = ["Twin" + "n" * 150, "Towm" + "m" * 150, "N" * 150]  # ambiguous, misspelt, unknown
    with pytest.raises(ValidationFailed) as info:
        clean_submission(form(place=long_names), resolve)
    assert [e["params"]["name"] for e in info.value.details["errors"]] == [name[:100] for name in long_names]


def test_a_bad_commune_does_not_hide_the_next_ones():
    data, errors = public(form(place=["Atlantis", "Town2", "", "Town3"]))
    assert [p["nis"] for p in data["places"]] == ["code-2", "code-3"]
    assert [e["field"] for e in errors] == ["place[0]"]


def test_a_nomination_needs_a_commune_but_is_told_so_once():
    expected = [("place", "Give at least one commune where the initiative is active.")]
    assert problems(form(place=None)) == expected
    assert problems(form(place=["", " "])) == expected
    assert problems(form(place="Atlantis")) == [("place[0]", "'Atlantis' is not a known Belgian commune.")]


# --- contact, consent, token ------------------------------------------------------------------


@pytest.mark.parametrize("email", ["a@b", "a b@c.be", "a@@c.be", "<a>@c.be", "a@c.be>", "@c.be", "a@.be."])
def test_a_malformed_email_is_refused(email):
    assert problems(form(contact_email=email)) == [("contact_email", "Give a valid e-mail address.")]


@pytest.mark.parametrize("consent", ["yes", "on", "1", "true"])
def test_each_way_of_ticking_consent_is_accepted(consent):
    assert clean_submission(form(consent=consent), resolve)[2] == TOKEN


@pytest.mark.parametrize("consent", [None, "", "no", "YES", "0"])
def test_no_consent_is_refused(consent):
    assert problems(form(consent=consent)) == [
        ("consent", "Please agree that we may publish the initiative's details.")
    ]


@pytest.mark.parametrize("token", ["a" * 16, "Z" * 64, "-_" * 8])
def test_tokens_of_16_to_64_safe_characters_are_accepted(token):
    assert clean_submission(form(submission_token=token), resolve)[2] == token


@pytest.mark.parametrize("token", [None, "", "a" * 15, "a" * 65, "a" * 15 + "!", "a" * 15 + " b"])
def test_a_missing_or_malformed_token_is_refused(token):
    assert problems(form(submission_token=token)) == [
        ("submission_token", "The form is incomplete; reload the page and submit again.")
    ]


@pytest.mark.parametrize(
    "website", ["ftp://example.org", "https://localhost", "javascript:alert(1)", "https://a b.org"]
)
def test_a_website_needs_a_full_web_address(website):
    assert problems(form(website=website)) == [
        ("website", "Give a full web address starting with http:// or https://.")
    ]


def test_every_problem_of_the_public_and_the_private_part_is_reported_at_once():
    values = form(name="A", themes=None, scope="x", contact_email="x", consent="no", submission_token="t")
    assert problems(values) == [
        ("name", "At least 2 characters."),
        ("themes", "Choose at least one theme."),
        ("scope", "Choose local, regional or national."),
        ("contact_email", "Give a valid e-mail address."),
        ("consent", "Please agree that we may publish the initiative's details."),
        ("submission_token", "The form is incomplete; reload the page and submit again."),
    ]


def test_clean_public_raises_on_its_own_and_collects_for_a_caller():
    with pytest.raises(ValidationFailed) as info:
        clean_public(form(name="A", scope="x"), resolve)
    assert info.value.message == "The nomination has 2 problem(s)"
    assert [e["field"] for e in info.value.details["errors"]] == ["name", "scope"]
    data, errors = public(form(name="A", scope="x"))
    assert data["name"] == "A" and [e["field"] for e in errors] == ["name", "scope"]
    assert clean_public(form(), resolve)["places"] == [
        {"nis": "code-1", "place": "Town1", "address": None, "postcode": None}
    ]


# --- the shape of a request -------------------------------------------------------------------

# Values a form can carry: 10 communes with address and postcode, every theme and target group,
# and one value for each other field.
MOST_VALUES = 3 * MAX_PLACES + len(THEMES) + len(TARGET_GROUPS) + MAX_FIELDS


def test_a_form_may_carry_as_many_values_as_the_form_can_send():
    check_count(MOST_VALUES)
    with pytest.raises(PayloadTooLarge) as info:
        check_count(MOST_VALUES + 1)
    assert info.value.message == (
        f"The form has {MOST_VALUES + 1} values; it has at most {MOST_VALUES}. Reload the form and send it again."
    )
    assert info.value.status == 413


def test_a_form_may_have_40_fields_and_not_41():
    check_shape({f"f{i}": ["x"] for i in range(MAX_FIELDS)})
    with pytest.raises(PayloadTooLarge) as info:
        check_shape({f"f{i}": ["x"] for i in range(MAX_FIELDS + 1)})
    assert info.value.message == (
        "The form has 41 different fields; it has at most 40. Reload the form and send it again."
    )


@pytest.mark.parametrize(
    "field, allowed",
    [
        ("place", MAX_PLACES),
        ("address", MAX_PLACES),
        ("postcode", MAX_PLACES),
        ("themes", len(THEMES)),
        ("target_groups", len(TARGET_GROUPS)),
        ("name", 1),
        ("consent", 1),
    ],
)
def test_each_field_may_repeat_as_often_as_the_form_repeats_it(field, allowed):
    check_shape({field: ["x"] * allowed, "other": ["y"]})
    with pytest.raises(PayloadTooLarge) as info:
        check_shape({field: ["x"] * (allowed + 1)})
    assert info.value.message == (
        f"The form has {allowed + 1} values for '{field}'; it allows at most {allowed}. "
        "Reload the form and send it again."
    )
    assert info.value.details == {"field": field}


def test_a_long_field_name_is_cut_in_the_message():
    field = "f" * 39 + "g" * 21
    with pytest.raises(PayloadTooLarge) as info:
        check_shape({field: ["x", "y"]})
    assert info.value.details == {"field": "f" * 39 + "g"}
    assert f"for '{'f' * 39}g';" in info.value.message
