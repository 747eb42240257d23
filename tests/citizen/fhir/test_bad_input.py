"""Bad input to the FHIR API is a 4xx naming what is wrong, never a 500, and stores nothing:
each class of it at its boundary (the property test in test_any_input.py throws the rest)."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from citizen.fhir.wire import MAX_BODY_BYTES, MAX_DEPTH, MAX_ENTRIES
from services.fhir.columns import id_max, max_length, parse_id, too_long
from services.people.identity import FNR_SYSTEM
from services.people.models import Person
from tests.plugins.db import table_rows
from tests.plugins.factories import national_id_for, system_bearer

FHIR = "application/fhir+json"
#: The largest id the people table holds (an Integer column, 32 bits on PostgreSQL).
PERSON_ID_MAX = 2**31 - 1


def patient(index: int = 0, *, family="Nordmann", given=("Kari",), **extra) -> dict:
    return {"resourceType": "Patient",
            "identifier": [{"system": FNR_SYSTEM,
                            "value": national_id_for(date(1985, 6, 15), index)}],
            "name": [{"use": "official", "family": family, "given": list(given)}], **extra}


def bundle(kind: str, *entries) -> dict:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def create_entry(resource) -> dict:
    return {"request": {"method": "POST", "url": "Patient"}, "resource": resource}


@pytest.fixture
def writer(db):
    return system_bearer("system/Patient.crus")


def send(client, method, path, headers, body=None, *, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body) if body is not None else None
    return client.open(f"/fhir/R4{path}", method=method, data=data,
                       headers={**headers, "Content-Type": FHIR})


def refused(response, status: int, expression: str | None = None) -> str:
    """Assert an OperationOutcome with ``status`` (naming ``expression``); its diagnostics."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == FHIR and response.json["resourceType"] == "OperationOutcome"
    [issue] = response.json["issue"]
    if expression is not None:
        assert issue["expression"] == [expression]
    return issue["diagnostics"]


# --- not a resource ---------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/Patient", ""])
def test_json_that_is_not_an_object_is_400(client, writer, path):
    for raw in [b"5", b"false", b"null", b'"Patient"', b"[]", b"[5]", b'"\\u0000"']:
        refused(send(client, "POST", path, writer, raw=raw), 400)


# --- depth ------------------------------------------------------------------------------

def nested_extension(levels: int, innermost: dict) -> dict:
    """A Patient whose extension nests ``levels`` extensions deep; each level is two JSON
    levels (the array and the object), the Patient one: the innermost extension object is
    at depth 1 + 2 * levels."""
    extension = {"url": "http://example.org/leaf", **innermost}
    for _ in range(levels - 1):
        extension = {"url": "http://example.org/branch", "extension": [extension]}
    return patient(extension=[extension])


def nested_contained(levels: int) -> dict:
    resource = patient()
    for _ in range(levels):
        resource = patient(contained=[{**resource, "id": "c"}])
    return resource


def test_json_nested_to_the_limit_is_accepted(client, writer):
    # The innermost extension at depth 63, its valueCodeableConcept at 64.
    at_limit = nested_extension((MAX_DEPTH - 2) // 2, {"valueCodeableConcept": {"text": "x"}})
    assert send(client, "POST", "/Patient", writer, at_limit).status_code == 201


@pytest.mark.parametrize("body", [
    pytest.param(nested_extension((MAX_DEPTH + 1) // 2, {"valueString": "x"}), id="depth-65"),
    pytest.param(nested_extension(300, {"valueString": "x"}), id="extension-300-deep"),
    pytest.param(nested_contained(100), id="contained-100-deep"),
])
def test_json_nested_deeper_than_the_limit_is_400(client, writer, body):
    diagnostics = refused(send(client, "POST", "/Patient", writer, body), 400)
    assert f"deeper than {MAX_DEPTH} levels" in diagnostics
    assert table_rows(Person) == []


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 1000, 100_000])
def test_deep_arrays_are_400_before_anything_else_reads_them(client, writer, levels):
    raw = ('{"resourceType":"Bundle","type":"batch","entry":' + "[" * levels + "]" * levels
           + "}").encode()
    diagnostics = refused(send(client, "POST", "", writer, raw=raw), 400)
    assert f"deeper than {MAX_DEPTH} levels" in diagnostics


def test_a_bundle_counts_its_entries_depth_from_the_bundle(client, writer):
    # A Patient that is fine on its own is too deep inside a Bundle (3 levels further in).
    deep = nested_extension((MAX_DEPTH - 2) // 2, {"valueCodeableConcept": {"text": "x"}})
    response = send(client, "POST", "", writer, bundle("transaction", create_entry(deep)))
    assert "Bundle.entry[0].resource.extension[0]" in refused(response, 400)


# --- nulls ------------------------------------------------------------------------------

NULLS_IN_NAMES = [
    ({"family": "Nordmann", "given": [None]}, "Patient.name[0].given[0]"),
    ({"family": "Nordmann", "given": ["Kari", None]}, "Patient.name[0].given[1]"),
    ({"family": "Nordmann", "given": [None], "_given": [None]}, "Patient.name[0].given[0]"),
    ({"family": "Nordmann", "given": [None], "_given": []}, "Patient.name[0].given[0]"),
    ({"family": "Nordmann", "given": ["Kari"], "_given": [None, None]},
     "Patient.name[0]._given[1]"),
]


def test_null_in_an_array_is_400_naming_it(client, writer):
    for name, expression in NULLS_IN_NAMES:
        response = send(client, "POST", "/Patient", writer, {**patient(), "name": [name]})
        assert "null" in refused(response, 400, expression)
    for field in ("name", "identifier"):  # arrays of elements hold no nulls at all
        resource = patient()
        resource[field] = [None, *resource[field]]
        refused(send(client, "POST", "/Patient", writer, resource), 400, f"Patient.{field}[0]")
    assert table_rows(Person) == []


def test_null_given_name_with_extensions_is_allowed_and_not_a_name(client, writer):
    """FHIR JSON's way to send a given name that has only extensions."""
    name = {"use": "official", "family": "Nordmann", "given": [None, "Ola"],
            "_given": [{"extension": [{"url": "http://example.org/x", "valueString": "y"}]},
                       None]}
    created = send(client, "POST", "/Patient", writer, {**patient(), "name": [name]})
    assert created.status_code == 201, created.json
    assert created.json["name"][0]["given"] == ["Ola"]

    only_extension = {**name, "given": [None], "_given": name["_given"][:1]}
    response = send(client, "POST", "/Patient", writer, {**patient(1), "name": [only_extension]})
    refused(response, 422, "Patient.name")


# --- characters -------------------------------------------------------------------------

def test_strings_with_characters_fhir_does_not_allow_are_400(client, writer):
    for text, code in [("\x00", "U+0000"), ("Kari\x1f", "U+001F"), ("\ud800", "U+D800"),
                       ("\udfff", "U+DFFF")]:
        response = send(client, "POST", "/Patient", writer, patient(given=["Ola", text]))
        assert code in refused(response, 400, "Patient.name[0].given[1]")
        response = send(client, "POST", "/Patient", writer, {**patient(), text: "x"})
        refused(response, 400, f"Patient.{text}")
    assert table_rows(Person) == []


def test_tab_line_breaks_and_other_scripts_are_text(client, writer):
    created = send(client, "POST", "/Patient", writer,
                   patient(family="Nordmann\tBerg\r\n", given=["Åse", "李", "😀"]))
    assert created.status_code == 201, created.json
    # Kept inside the name; the line break around it is trimmed like any surrounding space.
    assert created.json["name"][0] == {"use": "official", "family": "Nordmann\tBerg",
                                       "given": ["Åse", "李", "😀"]}


# --- size and entries -------------------------------------------------------------------

def padded(resource: dict, size: int) -> bytes:
    """``resource`` as JSON of exactly ``size`` bytes (whitespace after it)."""
    raw = json.dumps(resource).encode()
    return raw + b" " * (size - len(raw))


def test_body_up_to_the_size_limit_is_read_and_larger_is_413(client, writer):
    assert send(client, "POST", "/Patient", writer,
                raw=padded(patient(), MAX_BODY_BYTES)).status_code == 201
    response = send(client, "POST", "/Patient", writer, raw=padded(patient(1), MAX_BODY_BYTES + 1))
    assert f"larger than {MAX_BODY_BYTES} bytes" in refused(response, 413)
    assert len(table_rows(Person)) == 1


def test_entry_cap_is_checked_before_the_entries_are_validated(client, writer):
    # Entries that would each fail validation: the cap answers first.
    invalid = create_entry({"resourceType": "Patient", "gender": 5})
    too_many = bundle("transaction", *[invalid] * (MAX_ENTRIES + 1))
    response = send(client, "POST", "", writer, too_many)
    assert f"at most {MAX_ENTRIES} entries" in refused(response, 413, "Bundle.entry")

    # MAX_ENTRIES get past the cap (the shape check then finds the last one lacks a request).
    entries = [create_entry(patient())] * (MAX_ENTRIES - 1) + [{"resource": patient()}]
    response = send(client, "POST", "", writer, bundle("transaction", *entries))
    refused(response, 400, f"Bundle.entry[{MAX_ENTRIES - 1}].request")


UNPROCESSABLE_ENTRIES = [
    (None, "Bundle.entry[1]"),
    (5, "Bundle.entry[1]"),
    ("Patient", "Bundle.entry[1]"),
    ([], "Bundle.entry[1]"),
    ({"resource": patient(1)}, "Bundle.entry[1].request"),
    ({"request": "POST Patient", "resource": patient(1)}, "Bundle.entry[1].request"),
    ({"request": {"url": "Patient"}, "resource": patient(1)}, "Bundle.entry[1].request.method"),
    ({"request": {"method": 5, "url": "Patient"}, "resource": patient(1)},
     "Bundle.entry[1].request.method"),
    ({"request": {"method": "POST"}, "resource": patient(1)}, "Bundle.entry[1].request.url"),
    ({"request": {"method": "POST", "url": None}, "resource": patient(1)},
     "Bundle.entry[1].request.url"),
    ({"request": {"method": "POST", "url": 5}, "resource": patient(1)},
     "Bundle.entry[1].request.url"),
    ({"request": {"method": "POST", "url": ""}, "resource": patient(1)},
     "Bundle.entry[1].request.url"),
    ({"request": {"method": "POST", "url": "http://["}, "resource": patient(1)},
     "Bundle.entry[1].request.url"),
    ({"request": {"method": "POST", "url": "Patient"}}, "Bundle.entry[1].resource"),
    ({"request": {"method": "POST", "url": "Patient"}, "resource": None},
     "Bundle.entry[1].resource"),
    ({"request": {"method": "PUT", "url": "Patient/1"}}, "Bundle.entry[1].resource"),
]


@pytest.mark.parametrize("kind", ["transaction", "batch"])
def test_an_entry_that_cannot_be_processed_refuses_the_bundle_naming_it(client, writer, kind):
    for entry, expression in UNPROCESSABLE_ENTRIES:
        response = send(client, "POST", "", writer, bundle(kind, create_entry(patient()), entry))
        refused(response, 400, expression)
    assert table_rows(Person) == []


def test_an_entry_of_a_method_without_resource_needs_none(client, writer):
    entry = {"request": {"method": "DELETE", "url": "Patient/1"}}
    response = send(client, "POST", "", writer, bundle("transaction", entry))
    assert "only POST <type> and PUT <type>/<id>" in refused(response, 400)


# --- lengths ----------------------------------------------------------------------------

FAMILY_MAX = max_length(Person.__table__.c.family_name)


@pytest.mark.parametrize(("family", "given", "expression"), [
    ("x" * (FAMILY_MAX + 1), ["Kari"], "Patient.name[0].family"),
    ("x" * 10_000, ["Kari"], "Patient.name[0].family"),
    ("Nordmann", ["a" * 100, "b" * 100], "Patient.name[0].given"),  # 201 with the space
])
def test_a_name_longer_than_its_column_is_422_naming_it(client, writer, family, given,
                                                        expression):
    response = send(client, "POST", "/Patient", writer, patient(family=family, given=given))
    assert "longer than the 200 characters" in refused(response, 422, expression)

    in_bundle = send(client, "POST", "", writer,
                     bundle("transaction", create_entry(patient(1)),
                            create_entry(patient(family=family, given=given))))
    refused(in_bundle, 422, f"Bundle.entry[1].{expression}")
    assert table_rows(Person) == []


def test_a_name_that_fits_its_column_exactly_is_stored(client, writer):
    resource = patient(family="x" * FAMILY_MAX, given=["a" * 100, "b" * 99])
    created = send(client, "POST", "/Patient", writer, resource)
    assert created.status_code == 201, created.json
    read = send(client, "GET", f"/Patient/{created.json['id']}", writer)
    assert read.json["name"][0]["family"] == "x" * FAMILY_MAX

    change = {**read.json, "name": [{"use": "official", "family": "y" * (FAMILY_MAX + 1),
                                     "given": ["Kari"]}]}
    refused(send(client, "PUT", f"/Patient/{read.json['id']}", writer, change), 422,
            "Patient.name[0].family")
    assert [p.family_name for p in table_rows(Person)] == ["x" * FAMILY_MAX]


# --- ids and search values --------------------------------------------------------------

NOT_IDS = ["١٢٣", "²", "0", "-1", "+1", " 1", "1_0", "1.0", str(PERSON_ID_MAX + 1),
           "99999999999999999999", "9" * 1000]


def test_reading_an_id_that_cannot_be_ours_is_404(client, writer):
    for raw in [*NOT_IDS, str(PERSON_ID_MAX)]:
        refused(send(client, "GET", f"/Patient/{raw}", writer), 404)


def test_an_id_search_ignores_values_that_cannot_be_ids(client, writer):
    created = send(client, "POST", "/Patient", writer, patient()).json
    values = ",".join([*NOT_IDS, str(PERSON_ID_MAX), created["id"]])
    found = send(client, "GET", f"/Patient?_id={values}", writer)
    assert found.status_code == 200
    assert [e["resource"]["id"] for e in found.json["entry"]] == [created["id"]]
    for raw in NOT_IDS:
        found = client.get("/fhir/R4/Patient", query_string={"_id": raw}, headers=writer)
        assert (found.status_code, found.json["entry"]) == (200, [])


def test_a_cursor_that_is_not_an_id_is_400(client, writer):
    for raw in NOT_IDS:
        response = client.get("/fhir/R4/Patient", query_string={"_cursor": raw},
                              headers=writer)
        assert "_cursor" in refused(response, 400)


def test_a_cursor_at_the_largest_id_is_an_empty_page(client, writer):
    send(client, "POST", "/Patient", writer, patient())
    page = client.get("/fhir/R4/Patient", query_string={"_cursor": str(PERSON_ID_MAX)},
                      headers=writer)
    assert (page.status_code, page.json["entry"]) == (200, [])


def test_count_is_ascii_digits(client, writer):
    for raw in ["١٠", "²", " 5", "1_0", "+5"]:
        response = client.get("/fhir/R4/Patient", query_string={"_count": raw},
                              headers=writer)
        assert "_count must be a whole number" in refused(response, 400)


def test_last_updated_outside_the_calendar_in_utc_is_400(client, writer):
    for value in ["ge0001-01-01T00:00:00+14:00", "le9999-12-31T23:59:59-14:00",
                  "lt0001-01-01T00:00:00+00:01"]:
        response = client.get("/fhir/R4/Patient", query_string={"_lastUpdated": value},
                              headers=writer)
        assert "outside the calendar" in refused(response, 400)

        entry = {**create_entry(patient()),
                 "request": {"method": "POST", "url": "Patient",
                             "ifNoneExist": f"_lastUpdated={value.replace('+', '%2B')}"}}
        refused(send(client, "POST", "", writer, bundle("transaction", entry)), 400)
    assert table_rows(Person) == []


def test_last_updated_at_the_calendars_edges_in_utc_is_searched(client, writer):
    created = send(client, "POST", "/Patient", writer, patient()).json
    for value, matches in [
        ("ge0001-01-01T00:00:00Z", True), ("ge0001-01-01T00:00:00-14:00", True),
        ("le9999-12-31T23:59:59Z", True), ("le9999-12-31T23:59:59+14:00", True),
        ("le0001-01-01T00:00:00Z", False), ("ge9999-12-31T23:59:59Z", False),
    ]:
        found = client.get("/fhir/R4/Patient", query_string={"_lastUpdated": value},
                           headers=writer)
        assert found.status_code == 200, (value, found.json)
        assert [e["resource"]["id"] for e in found.json["entry"]] == (
            [created["id"]] if matches else []), value


# --- the column bounds themselves -------------------------------------------------------

def test_column_bounds_come_from_the_column_types():
    table = sa.Table("bounds", sa.MetaData(), sa.Column("small", sa.SmallInteger),
                     sa.Column("normal", sa.Integer), sa.Column("big", sa.BigInteger),
                     sa.Column("name", sa.String(3)), sa.Column("text", sa.Text))
    assert [id_max(table.c[n]) for n in ("small", "normal", "big")] == [
        2**15 - 1, 2**31 - 1, 2**63 - 1]
    assert (max_length(table.c.name), max_length(table.c.text)) == (3, None)
    assert [parse_id(raw, table.c.small) for raw in ("32767", "32768", "1", "0")] == [
        32767, None, 1, None]
    with pytest.raises(TypeError):
        id_max(table.c.name)


def test_too_long_names_each_value_over_its_columns_length():
    values = {"family_name": ("x" * 201, "Patient.name[0].family"),
              "given_name": ("x" * 200, "Patient.name[0].given"),
              "mobile": (None, "Patient.telecom[0].value")}
    [problem] = too_long(Person, values)
    assert problem.expression == "Patient.name[0].family" and problem.code == "too-long"
