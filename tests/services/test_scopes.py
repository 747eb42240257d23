"""SMART system scopes: parsing, what they allow, and which requests they cover."""

import pytest

from services.clients.scopes import (
    MAX_SCOPE_LENGTH,
    InvalidScope,
    SmartScope,
    allows,
    format_scopes,
    not_covered,
    parse_scope,
    parse_scopes,
    permission_for,
)


@pytest.mark.parametrize(
    ("text", "resource_type", "permissions"),
    [
        ("system/Patient.rs", "Patient", "rs"),
        ("system/Appointment.crus", "Appointment", "crus"),
        ("system/*.cruds", "*", "cruds"),
        ("system/Observation.s", "Observation", "s"),
        ("system/Patient.read", "Patient", "rs"),
        ("system/Patient.write", "Patient", "cud"),
        ("system/*.*", "*", "cruds"),
    ],
)
def test_v2_and_v1_scopes_parse_to_permissions(text, resource_type, permissions):
    assert parse_scope(text) == SmartScope(resource_type=resource_type,
                                           permissions=permissions, text=text)


@pytest.mark.parametrize("text", [
    "", "openid", "launch", "system/Patient", "system/Patient.", "system/Patient.x",
    "system/Patient.sr", "system/Patient.rr", "system/patient.rs", "patient/Patient.rs",
    "user/*.rs", "system/Patient.rs?category=x", " system/Patient.rs", "system/Pat ient.rs",
    "system/**.rs",
])
def test_anything_else_is_an_invalid_scope(text):
    with pytest.raises(InvalidScope):
        parse_scope(text)


def test_scope_lists_split_on_whitespace_and_drop_repeats():
    scopes = parse_scopes("system/Patient.rs  system/*.s\tsystem/Patient.rs")
    assert format_scopes(scopes) == "system/Patient.rs system/*.s"
    assert parse_scopes("") == ()
    with pytest.raises(InvalidScope):
        parse_scopes("system/Patient.rs " * 200)


@pytest.mark.parametrize(
    ("granted", "resource_type", "interaction", "allowed"),
    [
        ("system/Patient.rs", "Patient", "read", True),
        ("system/Patient.rs", "Patient", "vread", True),
        ("system/Patient.rs", "Patient", "search", True),
        ("system/Patient.rs", "Patient", "update", False),
        ("system/Patient.rs", "Appointment", "read", False),
        ("system/*.rs", "Appointment", "r", True),
        ("system/*.rs", "Appointment", "c", False),
        ("system/Appointment.cu system/Patient.r", "Appointment", "patch", True),
        ("system/Appointment.cu system/Patient.r", "Patient", "delete", False),
        ("system/Patient.write", "Patient", "delete", True),
        ("system/Patient.read", "Patient", "create", False),
        ("", "Patient", "read", False),
    ],
)
def test_allows_checks_resource_type_and_permission(granted, resource_type, interaction,
                                                     allowed):
    assert allows(parse_scopes(granted), resource_type, interaction) is allowed


def test_unknown_interactions_are_a_programming_error():
    with pytest.raises(ValueError, match="unknown interaction"):
        permission_for("obliterate")
    with pytest.raises(ValueError, match="unknown interaction"):
        permission_for("rs")
    assert permission_for("s") == "s"


@pytest.mark.parametrize(
    ("requested", "allowed", "refused"),
    [
        ("system/Patient.r", "system/Patient.rs", []),
        ("system/Patient.rs", "system/*.rs", []),
        ("system/Patient.read", "system/Patient.rs", []),
        ("system/Patient.rs", "system/Patient.read", []),
        ("system/*.rs", "system/Patient.rs", ["system/*.rs"]),
        ("system/Patient.c system/Patient.r", "system/Patient.rs", ["system/Patient.c"]),
        ("system/Patient.write", "system/Patient.crus", ["system/Patient.write"]),
        ("system/Appointment.crus", "system/Patient.cruds system/*.rs",
         ["system/Appointment.crus"]),
        ("system/Patient.crs", "system/Patient.c system/*.rs", []),
        ("system/*.rs", "system/*.r system/*.s", []),
        ("system/*.rs", "system/*.r system/Patient.s", ["system/*.rs"]),
    ],
)
def test_not_covered_lists_requested_scopes_beyond_the_allowed(requested, allowed, refused):
    left = not_covered(parse_scopes(requested), parse_scopes(allowed))
    assert [scope.text for scope in left] == refused


def test_invalid_scopes_say_what_a_scope_looks_like():
    with pytest.raises(InvalidScope, match=r"^scopes look like system/Patient\.rs or "
                                           r"system/\*\.cruds$"):
        parse_scope("openid")
    with pytest.raises(InvalidScope,
                       match=r"^permissions are a subset of cruds, written in that order$"):
        parse_scope("system/Patient.sr")


def test_a_scope_list_may_be_as_long_as_the_limit_and_no_longer():
    at_limit = "system/Patient.rs".ljust(MAX_SCOPE_LENGTH)
    assert format_scopes(parse_scopes(at_limit)) == "system/Patient.rs"
    with pytest.raises(InvalidScope, match=r"^the scope list is too long$"):
        parse_scopes(at_limit + " ")


def test_a_single_letter_that_is_not_a_permission_is_unknown():
    with pytest.raises(ValueError, match="unknown interaction 'x'"):
        permission_for("x")
