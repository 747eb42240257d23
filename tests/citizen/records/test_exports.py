"""The export on the web and in the JSON API: ask, follow, download; only the citizen who
asked sees it, and only for someone whose record her representation covers."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.db import db
from services.outbox.models import OutboxMessage
from services.outbox.tasks import deliver
from services.people.service import record_guardianship
from services.records.models import RecordExport
from tests.citizen.pages import csrf, sign_in_citizen, text
from tests.plugins.api import log_in_as
from tests.plugins.clock import T0
from tests.plugins.factories import make_organisation, make_person
from tests.services.records.factories import make_document


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def patient(hospital):
    person = make_person(given_name="Ola", family_name="Hansen")
    make_document(person, hospital, title="Epikrise etter operasjon")
    return person


def _build_all():
    for message in db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.channel == "records.export")).all():
        deliver.run(message.id)
    db.session.expire_all()


def test_ask_follow_and_download_on_the_web(client, patient):
    sign_in_citizen(client, patient)
    page = text(client.get("/records/export"))
    assert "En kopi av hele journalen" in page
    response = client.post("/records/export", data={"csrf_token": csrf(page)})
    assert response.status_code == 303
    status_url = response.headers["Location"]
    waiting = text(client.get(status_url))
    assert "Vi lager kopien" in waiting and "0 av 1 dokumenter" in waiting

    _build_all()
    ready = text(client.get(status_url))
    assert "Kopien er klar" in ready
    export_id = status_url.rsplit("/", 1)[1]
    pdf = client.get(f"/records/export/{export_id}/record.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "no-store"
    assert pdf.data.startswith(b"%PDF-")
    bundle = client.get(f"/records/export/{export_id}/record.json")
    assert bundle.mimetype == "application/fhir+json"
    assert json.loads(bundle.data)["type"] == "collection"
    assert "journal-2026-03-02.json" in bundle.headers["Content-Disposition"]


def test_the_api_starts_with_202_and_a_location_then_links_the_files(api_client, patient):
    log_in_as(api_client, patient)
    started = api_client.post("/api/v1/exports", json={})
    assert started.status_code == 202
    body = started.get_json()
    assert body["status"] == "queued" and body["pdf"] is None
    assert started.headers["Location"] == f"/api/v1/exports/{body['id']}"
    _build_all()
    ready = api_client.get(started.headers["Location"]).get_json()
    assert ready["status"] == "ready" and ready["progress"] == 100
    assert api_client.get(ready["pdf"]).data.startswith(b"%PDF-")
    assert json.loads(api_client.get(ready["bundle"]).data)["resourceType"] == "Bundle"


def test_another_citizen_gets_404_for_an_export_and_its_files(api_client, client, patient):
    log_in_as(api_client, patient)
    export_id = api_client.post("/api/v1/exports", json={}).get_json()["id"]
    _build_all()
    other = make_person(given_name="Per")
    log_in_as(api_client, other)
    for path in (f"/api/v1/exports/{export_id}", f"/api/v1/exports/{export_id}/pdf",
                 f"/api/v1/exports/{export_id}/bundle"):
        assert api_client.get(path).status_code == 404, path
    sign_in_citizen(client, other)
    for path in (f"/records/export/{export_id}", f"/records/export/{export_id}/record.pdf"):
        assert client.get(path).status_code == 404, path


def test_a_file_not_ready_yet_is_404(api_client, patient):
    log_in_as(api_client, patient)
    export_id = api_client.post("/api/v1/exports", json={}).get_json()["id"]
    assert api_client.get(f"/api/v1/exports/{export_id}/pdf").status_code == 404


def test_a_parent_exports_a_child_under_12_but_not_a_child_of_14(api_client, hospital):
    parent = make_person(date(1984, 1, 10), given_name="Kari")
    young = make_person(T0.date().replace(year=2018), given_name="Emil")
    teen = make_person(T0.date().replace(year=2012) - timedelta(days=1), given_name="Sofie")
    for child in (young, teen):
        record_guardianship(guardian=parent, child=child, shares_address=True,
                            actor=Actor.operator("test"))
    db.session.commit()
    log_in_as(api_client, parent, acting_for=young)
    started = api_client.post("/api/v1/exports", json={})
    assert started.status_code == 202
    [row] = db.session.scalars(sa.select(RecordExport))
    assert (row.person_id, row.requested_by_person_id) == (young.id, parent.id)
    log_in_as(api_client, parent, acting_for=teen)
    assert api_client.post("/api/v1/exports", json={}).status_code == 403
    assert api_client.get(f"/api/v1/exports/{row.id}").status_code == 403
