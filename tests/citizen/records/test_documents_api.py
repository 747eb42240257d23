"""``/api/v1/documents``: her documents with filters and paging, one document (ETag, its
versions), the content as stored, the PDF; another citizen's id, a hidden document and a
representation without records are 404 (403 for the list); bad query parameters a clear
422 (a foreign cursor 400). Every answer is checked against the OpenAPI document."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.actors import Actor
from services.audit.models import AuditEvent
from services.clock import utcnow
from services.db import db
from services.people.service import record_guardianship
from tests.plugins.api import log_in_as
from tests.plugins.factories import make_organisation, make_person
from tests.services.records.factories import make_document, remove_online_access

BASE = "http://localhost"


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def patient(hospital):
    return make_person(given_name="Ingrid")


@pytest.fixture
def client(api_client, patient):
    log_in_as(api_client, patient)
    return api_client


def test_the_list_newest_first_with_links(client, patient, hospital, app):
    old = make_document(patient, hospital, title="Epikrise", author_name="Lege Lien",
                        document_date=datetime(2026, 2, 1, 9, tzinfo=UTC))
    new = make_document(patient, hospital, title="Brev", kind="letter",
                        document_date=datetime(2026, 2, 20, 9, tzinfo=UTC))
    make_document(patient, hospital, withheld=True)
    body = client.get("/api/v1/documents").get_json()
    assert [item["id"] for item in body["items"]] == [new.id, old.id]
    assert body["next"] is None
    first = body["items"][1]
    base = app.config["PUBLIC_BASE_URL"]
    assert first == {
        "id": old.id, "type": "discharge-summary", "type_name": "Epikrise", "title": "Epikrise",
        "date": "2026-02-01T09:00:00+00:00", "status": "current",
        "organisation": {"id": hospital.id, "name": "St. Olavs hospital HF"}, "unit": None,
        "author": "Lege Lien", "content_type": "text/html", "size": old.content_size,
        "sha256": old.content_sha256, "replaces": None,
        "content": f"{base}/api/v1/documents/{old.id}/content",
        "pdf": f"{base}/api/v1/documents/{old.id}/pdf"}
    rows = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.subject_person_id == patient.id,
        AuditEvent.resource_type == "DocumentReference")).all()
    assert rows == ["search"]


def test_filters_and_paging(client, patient, hospital):
    for n in range(5):
        make_document(patient, hospital, title=f"Brev {n}", kind="letter",
                      document_date=datetime(2026, 2, 1 + n, 9, tzinfo=UTC))
    make_document(patient, hospital, title="Epikrise", document_date=datetime(2026, 2, 3, 12,
                                                                              tzinfo=UTC))
    body = client.get("/api/v1/documents?type=letter&limit=2").get_json()
    assert [i["title"] for i in body["items"]] == ["Brev 4", "Brev 3"]
    second = client.get(body["next"].removeprefix(BASE)).get_json()
    assert [i["title"] for i in second["items"]] == ["Brev 2", "Brev 1"]
    third = client.get(second["next"].removeprefix(BASE)).get_json()
    assert [i["title"] for i in third["items"]] == ["Brev 0"] and third["next"] is None
    body = client.get("/api/v1/documents?from=2026-02-03&to=2026-02-03").get_json()
    assert sorted(i["title"] for i in body["items"]) == ["Brev 2", "Epikrise"]
    body = client.get(f"/api/v1/documents?q=epi&organisation={hospital.id}").get_json()
    assert [i["title"] for i in body["items"]] == ["Epikrise"]


@pytest.mark.parametrize(("query", "field"), [
    ("type=x-ray", "type"), ("from=2026-13-01", "from"), ("to=yesterday", "to"),
    ("from=2026-03-02&to=2026-03-01", "to"), ("organisation=0", "organisation"),
    ("organisation=abc", "organisation"), ("limit=0", "limit"), ("limit=201", "limit"),
    ("q=" + "a" * 101, "q"), ("q=a%00b", "q"), ("q=%1B", "q"),
])
def test_bad_query_parameters_are_422(client, patient, query, field):
    response = client.get(f"/api/v1/documents?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_a_foreign_cursor_is_400(client, patient):
    assert client.get("/api/v1/documents?cursor=bm90LW91cnM").status_code == 400


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(args=st.dictionaries(st.sampled_from(["type", "from", "to", "q", "organisation",
                                             "limit", "cursor"]),
                            st.text(max_size=30), max_size=4))
def test_any_query_is_answered_without_a_500(client, patient, args):
    response = client.get("/api/v1/documents", query_string=args)
    assert response.status_code in (200, 400, 422), response.get_data(as_text=True)


def test_one_document_with_its_etag_and_versions(client, patient, hospital):
    first = make_document(patient, hospital, title="v1", status="superseded")
    second = make_document(patient, hospital, title="v2", replaces=first)
    response = client.get(f"/api/v1/documents/{second.id}")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    assert response.get_json()["replaces"] == first.id
    assert response.get_json()["replaced_by"] is None
    assert client.get(f"/api/v1/documents/{first.id}").get_json()["replaced_by"] == second.id
    listed = client.get("/api/v1/documents").get_json()["items"]
    assert {i["id"]: i["replaces"] for i in listed} == {second.id: first.id, first.id: None}


def test_a_hidden_earlier_version_is_not_named(client, patient, hospital):
    withheld = make_document(patient, hospital, title="v1", status="superseded", withheld=True)
    fix = make_document(patient, hospital, title="v2", replaces=withheld)
    assert client.get(f"/api/v1/documents/{fix.id}").get_json()["replaces"] is None
    assert client.get("/api/v1/documents").get_json()["items"][0]["replaces"] is None


def test_content_as_stored_never_as_a_page(client, patient, hospital):
    html = make_document(patient, hospital, content=b"<p>Hei</p>")
    plain = make_document(patient, hospital, content="Blodprøver: normale".encode(),
                          content_type="text/plain")
    response = client.get(f"/api/v1/documents/{html.id}/content")
    assert response.data == b"<p>Hei</p>"
    assert response.content_type == "text/html; charset=utf-8"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    response = client.get(f"/api/v1/documents/{plain.id}/content")
    assert response.content_type == "text/plain; charset=utf-8"
    assert response.get_data(as_text=True) == "Blodprøver: normale"
    rows = db.session.scalars(sa.select(AuditEvent.resource_id).where(
        AuditEvent.subject_person_id == patient.id, AuditEvent.resource_type == "Binary")).all()
    assert rows == [str(html.id), str(plain.id)]


def test_the_pdf(client, patient, hospital):
    document = make_document(patient, hospital, title="Epikrise", content=b"<p>Operert.</p>")
    response = client.get(f"/api/v1/documents/{document.id}/pdf")
    assert response.status_code == 200 and response.content_type == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert "Operert." in reader.pages[0].extract_text()


# -- who may see them ---------------------------------------------------------------------

def _paths(document_id: int) -> list[str]:
    return [f"/api/v1/documents/{document_id}{tail}" for tail in ("", "/content", "/pdf")]


def test_another_citizens_and_hidden_documents_are_404(client, patient, hospital):
    hidden = [make_document(make_person(), hospital),
              make_document(patient, hospital, withheld=True),
              make_document(patient, hospital, release_after=utcnow() + timedelta(hours=1)),
              make_document(patient, hospital, status="entered-in-error")]
    for document in hidden:
        for path in _paths(document.id):
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.get_json()["detail"] == "no such document"
    assert client.get("/api/v1/documents/2147483648").status_code == 404
    assert client.get("/api/v1/documents").get_json()["items"] == []


def test_not_logged_in_is_401(api_client, patient, hospital):
    document = make_document(patient, hospital)
    assert api_client.get("/api/v1/documents").status_code == 401
    for path in _paths(document.id):
        assert api_client.get(path).status_code == 401


def test_removed_online_access(client, patient, hospital):
    document = make_document(patient, hospital)
    remove_online_access(patient)
    response = client.get("/api/v1/documents")
    assert response.status_code == 403
    assert response.get_json()["errors"] == {"code": ["online_access_removed"]}
    for path in _paths(document.id):
        assert client.get(path).status_code == 404


def _parent_of(api_client, birth_date):
    parent, child = make_person(date(1985, 1, 1)), make_person(birth_date)
    record_guardianship(guardian=parent, child=child, shares_address=True,
                        actor=Actor.system("hospital-system"))
    db.session.commit()
    log_in_as(api_client, parent, acting_for=child)
    return child


def test_a_parent_of_a_child_under_12(api_client, hospital):
    child = _parent_of(api_client, date(2016, 1, 1))
    document = make_document(child, hospital)
    assert [i["id"] for i in api_client.get("/api/v1/documents").get_json()["items"]] == [
        document.id]
    for path in _paths(document.id):
        assert api_client.get(path).status_code == 200


def test_a_parent_of_a_14_year_old(api_client, hospital):
    child = _parent_of(api_client, date(2012, 1, 1))
    document = make_document(child, hospital)
    response = api_client.get("/api/v1/documents")
    assert response.status_code == 403
    assert "does not cover the health record" in response.get_json()["detail"]
    for path in _paths(document.id):
        assert api_client.get(path).status_code == 404
