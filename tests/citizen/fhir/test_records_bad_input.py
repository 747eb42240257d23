"""Bad DocumentReferences are a clear 4xx naming what is wrong, never a 500, and store
nothing: each class at its boundary, then generated and mutated documents and attachments
(Hypothesis) that must be stored readably or refused."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from citizen.fhir.wire import MAX_DEPTH
from services.records.fhir import RELEASE_AFTER_EXTENSION, WITHHELD_EXTENSION
from services.records.models import Document
from tests.citizen.fhir.records_support import (
    DOCUMENTS,
    FHIR,
    HTML,
    document,
    outcome,
    pdf_bytes,
    valid_binary,
    valid_document_reference,
)
from tests.citizen.fhir.test_any_input import any_json, mutated, tricky_text
from tests.plugins.db import table_rows
from tests.plugins.factories import make_organisation, make_person, system_bearer

ATTACHMENT = "DocumentReference.content[0].attachment"
#: T0 of the frozen clock.
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def woman(db):
    return make_person(given_name="Kari")


@pytest.fixture
def writer(db, hospital):
    return system_bearer("system/DocumentReference.crus system/Binary.r", name="DIPS",
                         organisation=hospital)


def post(client, writer, resource):
    return client.post("/fhir/R4/DocumentReference", json=resource, headers=writer)


def attachment(data: bytes, content_type: str) -> list[dict]:
    return [{"attachment": {"contentType": content_type,
                            "data": base64.b64encode(data).decode()}}]


@pytest.mark.parametrize(("data", "content_type", "says"), [
    (b"<p>not a pdf</p>", "application/pdf", "not a PDF"),
    (b"%PDF-1.7\nrubbish that does not parse", "application/pdf", "cannot be opened"),
    (pdf_bytes(encrypt=True), "application/pdf", "encrypted"),
    (pdf_bytes(javascript=True), "application/pdf", "JavaScript"),
    (pdf_bytes(), "text/html", "is a PDF"),
    (pdf_bytes(), "text/plain", "is a PDF"),
    (b"\xff\xfe<\x00p\x00>\x00", "text/html", "not UTF-8"),
    (b"caf\xe9", "text/plain", "not UTF-8"),
    (b"binary\x00junk", "text/plain", "control characters"),
    (b"<script>alert(1)</script><style>p{}</style>", "text/html", "no text"),
    (b"   \n ", "text/plain", "nothing to read"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "not taken"),
    (b"<p>x</p>", "text/html; charset=iso-8859-1", "UTF-8"),
    (b"", "text/plain", "empty"),
])
def test_content_that_is_not_what_it_claims_is_422(client, frozen_clock, hospital, woman, writer,
                                                   data, content_type, says):
    response = post(client, writer, document(woman, content=attachment(data, content_type)))
    assert says in outcome(response, 422, f"{ATTACHMENT}.data")
    assert table_rows(Document) == []


def test_a_missing_content_type_is_422(client, frozen_clock, hospital, woman, writer):
    resource = document(woman)
    del resource["content"][0]["attachment"]["contentType"]
    assert "contentType" in outcome(post(client, writer, resource), 422)
    assert table_rows(Document) == []


def test_the_size_limit_is_the_configured_one(client, frozen_clock, hospital, woman, writer,
                                              monkeypatch):
    monkeypatch.setitem(client.application.config, "RECORDS_MAX_DOCUMENT_BYTES", 100)
    exact = b"<p>" + b"x" * 93 + b"</p>"
    assert len(exact) == 100
    assert post(client, writer, document(woman, identifier="fits", data=exact)
                ).status_code == 201
    over = post(client, writer, document(woman, identifier="over", data=exact + b" "))
    assert "at most 100" in outcome(over, 422, f"{ATTACHMENT}.data")
    assert [d.identifier_value for d in table_rows(Document)] == ["fits"]


def test_the_default_size_limit_is_3_mb(app):
    assert app.config["RECORDS_MAX_DOCUMENT_BYTES"] == 3 * 1024 * 1024


def test_data_that_is_not_base64_or_disagrees_with_its_size_or_hash_is_422(
        client, frozen_clock, hospital, woman, writer):
    resource = document(woman)
    resource["content"][0]["attachment"]["data"] = "bm90IGJhc2U2NA"  # padding missing
    outcome(post(client, writer, resource), 400, f"{ATTACHMENT}.data")  # fhir.resources
    sized = document(woman)
    sized["content"][0]["attachment"]["size"] = len(HTML) + 1
    outcome(post(client, writer, sized), 422, f"{ATTACHMENT}.size")
    hashed = document(woman)
    hashed["content"][0]["attachment"]["hash"] = base64.b64encode(
        hashlib.sha1(b"other").digest()).decode()  # noqa: S324
    outcome(post(client, writer, hashed), 422, f"{ATTACHMENT}.hash")
    right = document(woman)
    right["content"][0]["attachment"].update(size=len(HTML), hash=base64.b64encode(
        hashlib.sha1(HTML).digest()).decode())  # noqa: S324
    assert post(client, writer, right).status_code == 201


@pytest.mark.parametrize("content", [
    [],
    [{"attachment": {"contentType": "text/html", "data": "PHA+eDwvcD4="}}] * 2,
    [{"attachment": {"contentType": "text/html", "url": "https://example.org/doc.html"}}],
    [{"attachment": {"contentType": "text/html", "url": "Binary/99999"}}],
    [{"attachment": {"contentType": "text/html", "url": "Binary/x"}}],
    [{"attachment": {"contentType": "text/html"}}],
])
def test_content_that_is_none_several_or_elsewhere_is_4xx(client, frozen_clock, hospital, woman,
                                                           writer, content):
    resource = {**document(woman), "content": content}
    response = post(client, writer, resource)
    assert response.status_code in (400, 422), response.json
    assert table_rows(Document) == []


def test_a_binary_of_another_patient_is_refused(client, frozen_clock, hospital, woman, writer):
    other = make_person(given_name="Siri")
    theirs = post(client, writer, document(other, identifier="X")).json["id"]
    resource = {**document(woman, identifier="Y"), "content": [{"attachment": {
        "contentType": "text/html", "url": f"Binary/{theirs}"}}]}
    outcome(post(client, writer, resource), 422, f"{ATTACHMENT}.url")
    assert [d.identifier_value for d in table_rows(Document)] == ["X"]


# --- release controls at their boundaries ----------------------------------------------


@pytest.mark.parametrize(("release_after", "stored"), [
    # The release time may have passed (a document sent late): readable at once.
    ("2026-03-01T10:00:00+01:00", True),  # = date: the earliest it may be
    ("2026-03-01T09:59:59+01:00", False),  # before it was written
    ("2027-03-03T08:00:00Z", True),  # 366 days ahead
    ("2027-03-03T08:00:01Z", False),  # more than 366 days ahead
    ("2030-01-01T00:00:00Z", False),
    ("2026-03-05", True),  # a date: midnight in Norway
    ("2026-03-05T12:00:00", False),  # no offset
    ("9999-12-31T23:59:59Z", False),
])
def test_release_times_at_their_boundaries(client, frozen_clock, hospital, woman, writer,
                                           release_after, stored):
    response = post(client, writer, document(woman, release_after=release_after))
    if stored:
        assert response.status_code == 201, response.json
        assert table_rows(Document)[0].release_after is not None
    else:
        outcome(response, (400, 422), "DocumentReference.extension[0].valueDateTime")
        assert table_rows(Document) == []


def test_a_release_time_in_the_past_is_readable_and_announced_at_once(client, frozen_clock,
                                                                      hospital, woman, writer):
    from services.notify.models import Notification

    assert post(client, writer, document(woman, release_after="2026-03-01T12:00:00+01:00")
                ).status_code == 201
    assert [n.event for n in table_rows(Notification)] == ["records.document-new"]


@pytest.mark.parametrize(("date", "stored"), [
    ("2026-03-02T09:00:00Z", True),  # an hour ahead: clocks differ
    ("2026-03-02T09:00:01Z", False),
    ("1899-12-31T23:00:00Z", False),
    ("2026-03-01", False),  # date is an instant
])
def test_the_document_date_is_an_instant_not_in_the_future(client, frozen_clock, hospital,
                                                           woman, writer, date, stored):
    response = post(client, writer, document(woman, date=date))
    if stored:
        assert response.status_code == 201, response.json
    else:
        assert response.status_code in (400, 422), response.json
        assert table_rows(Document) == []


@pytest.mark.parametrize(("extension", "expression"), [
    ({"url": WITHHELD_EXTENSION, "valueString": "ja"}, "DocumentReference.extension[0]"),
    ({"url": RELEASE_AFTER_EXTENSION, "valueBoolean": True},
     "DocumentReference.extension[0].valueDateTime"),
    ({"url": "https://minhelse.no/fhir/StructureDefinition/withheld", "valueBoolean": True},
     "DocumentReference.extension[0].url"),
])
def test_our_extensions_take_their_value_type_and_a_misspelt_one_is_refused(
        client, frozen_clock, hospital, woman, writer, extension, expression):
    outcome(post(client, writer, {**document(woman), "extension": [extension]}), 422, expression)


def test_other_extensions_are_ignored(client, frozen_clock, hospital, woman, writer):
    resource = {**document(woman), "extension": [{"url": "urn:other", "valueString": "x"}]}
    assert post(client, writer, resource).status_code == 201


# --- what the document is about ---------------------------------------------------------


@pytest.mark.parametrize(("change", "expression"), [
    ({"type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]}},
     "DocumentReference.type"),
    ({"type": {"coding": [{"code": "18842-5"}, {"code": "51852-2"}]}}, "DocumentReference.type"),
    ({"type": {"text": "Epikrise"}}, "DocumentReference.type"),
    ({"subject": {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.1",
                                 "value": "01010112345"}}},
     "DocumentReference.subject.identifier"),
    ({"subject": {"reference": "Patient/99999"}}, "DocumentReference.subject.reference"),
    ({"subject": {"display": "Kari"}}, "DocumentReference.subject"),
    ({"custodian": {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.101",
                                   "value": "999999999"}}},
     "DocumentReference.custodian.identifier"),
    ({"custodian": {"display": "St. Olavs"}}, "DocumentReference.custodian"),
    ({"docStatus": "preliminary"}, "DocumentReference.docStatus"),
    ({"identifier": [{"value": "no-system"}]}, "DocumentReference.identifier[0]"),
    ({"identifier": []}, "DocumentReference.identifier"),
    ({"status": "superseded", "relatesTo": [{"code": "transforms", "target": {
        "reference": "DocumentReference/1"}}]}, "DocumentReference.relatesTo[0].code"),
    ({"relatesTo": [{"code": "replaces", "target": {"reference": "DocumentReference/77"}}]},
     "DocumentReference.relatesTo"),  # as for another patient's: ids tell nothing
    ({"author": [{"display": "Lege", "identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.4",
                                                    "value": "12345678901"}}]},
     "DocumentReference.author[0].identifier"),
    ({"securityLabel": [{"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "X"}]}]},
     "DocumentReference.securityLabel[0].coding[0].code"),
    ({"description": "x" * 301}, "DocumentReference.description"),
    ({"identifier": [{"system": DOCUMENTS, "value": "x" * 101}]},
     "DocumentReference.identifier"),
])
def test_what_the_document_is_must_be_readable(client, frozen_clock, hospital, woman, writer,
                                               change, expression):
    resource = {**document(woman), **change}
    if resource.get("identifier") == []:
        del resource["identifier"]
    outcome(post(client, writer, resource), 422, expression)
    assert table_rows(Document) == []


def test_a_title_at_its_column_length_is_stored(client, frozen_clock, hospital, woman, writer):
    assert post(client, writer, document(woman, title="x" * 300)).status_code == 201


def test_the_title_falls_back_to_the_attachment_title_then_the_type(client, frozen_clock,
                                                                     hospital, woman, writer):
    titled = document(woman, identifier="A", title=None)
    titled["content"][0]["attachment"]["title"] = "Svar fra røntgen"
    assert post(client, writer, titled).status_code == 201
    assert post(client, writer, document(woman, identifier="B", title=None)).status_code == 201
    assert {d.identifier_value: d.title for d in table_rows(Document)} == {
        "A": "Svar fra røntgen", "B": "Discharge summary"}


def test_deep_nesting_is_400_before_anything_reads_it(client, frozen_clock, hospital, woman,
                                                      writer):
    resource = document(woman)
    nested: object = "x"
    for _ in range(MAX_DEPTH + 5):
        nested = [nested]
    resource["content"][0]["attachment"]["title"] = nested
    response = client.post("/fhir/R4/DocumentReference", data=json.dumps(resource),
                           headers={**writer, "Content-Type": FHIR})
    outcome(response, 400)
    assert table_rows(Document) == []


# --- anything at all --------------------------------------------------------------------

_CONTENT_TYPES = ["application/pdf", "text/html", "text/plain", "text/html; charset=utf-8",
                  "image/png", "", "application/PDF", "text/plain;charset=latin1"]
_PAYLOADS = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([HTML, pdf_bytes(), b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", b"%PDF-",
                     pdf_bytes(encrypt=True), b"<p>\x00</p>", "Ærlig talt ☃".encode()]),
    st.text(max_size=80).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.builds(lambda a, b: a[: len(a) // 2] + b, st.just(pdf_bytes()), st.binary(max_size=40)),
)


#: Content that is what it says it is: most documents generated should be stored.
_GOOD = st.sampled_from([(HTML, "text/html"), (pdf_bytes(), "application/pdf"),
                         ("Prøvesvar: normalt".encode(), "text/plain"),
                         (b"<p>a<script>b</script></p>", "text/html; charset=utf-8")])


@st.composite
def documents(draw, person) -> dict:
    if draw(st.booleans()):
        data, content_type = draw(_GOOD)
    else:
        data, content_type = draw(_PAYLOADS), draw(st.sampled_from(_CONTENT_TYPES))
    resource = document(
        person, identifier=draw(st.sampled_from(["D-1", "D-2", "D-3"])),
        code=draw(st.sampled_from(["18842-5", "34108-1", "11502-2", "18748-4", "51852-2"] * 3
                                  + ["x"])),
        content=attachment(data, content_type),
        status=draw(st.sampled_from(["current", "current", "superseded", "entered-in-error"])))
    if draw(st.integers(0, 3)) == 0:
        resource["extension"] = [{"url": RELEASE_AFTER_EXTENSION, "valueDateTime": draw(
            st.one_of(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2028, 1, 1),
                                   timezones=st.just(UTC)).map(lambda d: d.isoformat()),
                      tricky_text))}]
    if draw(st.integers(0, 3)) == 0:
        resource["relatesTo"] = [{"code": "replaces", "target": {
            "reference": f"DocumentReference/{draw(st.integers(1, 4))}"}}]
    return resource


@given(data=st.data())
def test_any_document_reference_is_stored_readably_or_refused_with_a_4xx(
        client, frozen_clock, hospital, woman, writer, monkeypatch, data):
    monkeypatch.setitem(client.application.config, "FHIR_RATE_LIMIT", "1000000/second")
    resource = data.draw(st.one_of(documents(woman), documents(woman), mutated(documents(woman)),
                                   any_json))
    how = data.draw(st.sampled_from(["create", "update", "conditional"]))
    if how == "update" and isinstance(resource, dict):
        target = str(data.draw(st.integers(1, 4)))
        resource["id"] = target
        response = client.put(f"/fhir/R4/DocumentReference/{target}", json=resource,
                              headers=writer)
    elif how == "conditional":
        response = client.put(f"/fhir/R4/DocumentReference?identifier={DOCUMENTS}|D-1",
                              json=resource, headers=writer)
    else:
        response = post(client, writer, resource)
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.mimetype == FHIR
    event(f"{how}: {response.status_code}")
    if response.status_code >= 400 and response.mimetype == FHIR:
        event(response.json["issue"][0]["diagnostics"][:70])
    if response.status_code in (200, 201):
        stored = response.json["id"]
        read = client.get(f"/fhir/R4/DocumentReference/{stored}", headers=writer)
        assert read.status_code == 200
        valid_document_reference(read.json)
        binary = client.get(f"/fhir/R4/Binary/{stored}", headers=writer)
        assert binary.status_code == 200
        valid_binary(binary.json)
    found = client.get("/fhir/R4/DocumentReference?_count=100", headers=writer)
    assert found.status_code == 200
    for entry in found.json["entry"]:
        valid_document_reference(entry["resource"])


_SEARCH = st.sampled_from(["patient", "patient.identifier", "type", "date", "_lastUpdated",
                           "identifier", "status", "_id", "subject", "type:text", "_count"])


@given(pairs=st.lists(st.tuples(_SEARCH, tricky_text), max_size=4))
def test_any_search_answers_without_a_5xx(client, frozen_clock, hospital, woman, writer, pairs):
    from urllib.parse import urlencode

    response = client.get(f"/fhir/R4/DocumentReference?{urlencode(pairs, errors='surrogatepass')}",
                          headers=writer)
    assert response.status_code < 500, (pairs, response.get_data(as_text=True)[:500])
    assert response.mimetype == FHIR


def test_timedelta_guard():
    """The release ceiling is a year and a day (a leap year's worth)."""
    from services.records.fhir import MAX_RELEASE_AHEAD

    assert timedelta(days=366) == MAX_RELEASE_AHEAD
    assert datetime(2027, 3, 3, 8, 0, tzinfo=UTC) == NOW + MAX_RELEASE_AHEAD
