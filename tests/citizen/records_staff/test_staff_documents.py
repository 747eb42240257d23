"""The staff side of the record: a clinician looks a patient up by number with a reason,
reads her documents (those of other hospitals only if she does not block them; none if
she blocks the clinician by name), and downloads one; the reason is audited with every
read and is what the patient sees. Administrators are refused; nothing travels in URLs."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdf
import pytest
import sqlalchemy as sa

from services.audit.models import AuditEvent
from services.clock import utcnow
from services.db import db
from services.people.models import Role
from tests.citizen.pages import csrf, sign_in_staff, text
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.records.factories import make_block, make_document

REASON = "Pasienten er innlagt akutt i natt"


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def other_hospital(db):
    return make_organisation(name="Helse Bergen HF", org_number="983974910")


@pytest.fixture
def patient(hospital):
    return make_person(given_name="Ingrid", family_name="Berg")


@pytest.fixture
def nurse(client, hospital):
    staff = make_staff(hospital, Role.INFECTION_CONTROL, name="Siri Smittevern")
    sign_in_staff(client, staff, hospital)
    return staff


def _number(person) -> str:
    from services.people.service import national_id_of

    return national_id_of(person)


def _lookup(client, person, reason=REASON, number=None):
    token = csrf(text(client.get("/staff/records")))
    return client.post("/staff/records", data={
        "csrf_token": token, "national_id": number if number is not None else _number(person),
        "reason": reason})


def _read(client, document, reason=REASON, tail=""):
    token = csrf(text(client.get("/staff/records")))
    return client.post(f"/staff/records/documents/{document.id}{tail}",
                       data={"csrf_token": token, "reason": reason})


def _reads(person):
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.subject_person_id == person.id, AuditEvent.actor_kind == "staff")
        .order_by(AuditEvent.id)))


def test_the_lookup_form(client, nurse):
    page = text(client.get("/staff/records"))
    assert "Hvorfor må du lese journalen?" in page
    assert 'method="post" action="/staff/records"' in page
    home = text(client.get("/staff"))
    assert home.count('href="/staff/records"') == 1


def test_lookup_lists_her_documents_and_audits_the_reason(client, nurse, patient, hospital):
    make_document(patient, hospital, title="Epikrise", withheld=True)
    make_document(patient, hospital, title="Prøvesvar", kind="lab-report",
                  release_after=utcnow() + timedelta(days=2))
    response = _lookup(client, patient)
    page = text(response)
    assert response.status_code == 200
    assert "Dokumentene til Ingrid Berg" in page
    assert "Epikrise" in page and "Holdt tilbake fra pasienten" in page
    assert "Prøvesvar" in page and "Ikke vist til pasienten ennå" in page
    assert REASON in page
    assert [(r.action, r.resource_type, r.purpose, r.reason, r.resource_id)
            for r in _reads(patient)] == [("read", "DocumentReference", "treatment", REASON,
                                           None)]
    assert page.count("Ikke vist til pasienten ennå") == 1
    assert _number(patient) not in response.request.url


@pytest.mark.parametrize(("reason", "number", "field"), [
    ("kort", None, "reason"), ("", None, "reason"), ("x" * 501, None, "reason"),
    (REASON, "12345678901", "national_id"), (REASON, "abc", "national_id"),
])
def test_a_lookup_without_a_reason_or_a_number_is_refused(client, nurse, patient, hospital,
                                                          reason, number, field):
    make_document(patient, hospital, title="Epikrise")
    response = _lookup(client, patient, reason=reason, number=number)
    assert response.status_code == 422
    assert f'id="{field}-error"' in text(response)
    assert "Epikrise" not in text(response)
    assert _reads(patient) == []


def test_an_unknown_patient(client, nurse):
    from datetime import date

    from tests.plugins.factories import national_id_for

    response = _lookup(client, None, number=national_id_for(date(1990, 1, 1), 7))
    assert response.status_code == 422
    assert "Vi kjenner ingen pasient med dette nummeret." in text(response)


def test_reading_and_downloading_a_document(client, nurse, patient, hospital):
    document = make_document(patient, hospital, title="Epikrise",
                             content=b"<h1>Innleggelse</h1><script>x</script><p>Hei</p>")
    response = _read(client, document)
    page = text(response)
    assert response.status_code == 200
    assert "<h2>Innleggelse</h2>" in page and "<script>x" not in page
    response = _read(client, document, tail="/document.pdf")
    assert response.content_type == "application/pdf"
    assert "Hei" in pypdf.PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert [(r.resource_id, r.reason) for r in _reads(patient)] == [
        (str(document.id), REASON), (str(document.id), REASON)]


def test_reading_without_a_reason_is_refused(client, nurse, patient, hospital):
    document = make_document(patient, hospital)
    for tail in ("", "/document.pdf"):
        response = _read(client, document, reason="", tail=tail)
        assert response.status_code == 422
        assert 'id="reason-error"' in text(response)
    assert _reads(patient) == []


def test_other_hospitals_documents_she_blocks_are_not_there(client, other_hospital, patient,
                                                            hospital):
    elsewhere = make_staff(other_hospital, Role.ULTRASOUND_CLINIC, name="Jordmor Bergen")
    sign_in_staff(client, elsewhere, other_hospital)
    blocked = make_document(patient, hospital, title="Sperret notat")
    shared = make_document(patient, hospital, title="Delt notat")
    make_block(patient, kind="document", document=blocked)
    page = text(_lookup(client, patient))
    assert "Delt notat" in page and "Sperret notat" not in page
    assert _read(client, blocked).status_code == 404
    assert _read(client, shared).status_code == 200
    assert _read(client, blocked, tail="/document.pdf").status_code == 404


def test_a_staff_member_she_blocks_by_name_sees_nothing(client, nurse, patient, hospital):
    document = make_document(patient, hospital, title="Epikrise")
    make_block(patient, kind="staff", staff=nurse)
    page = text(_lookup(client, patient))
    assert "Det finnes ingen dokumenter du kan se for denne pasienten." in page
    assert _read(client, document).status_code == 404


def test_administrators_and_citizens_are_refused(client, hospital, patient):
    document = make_document(patient, hospital)
    admin = make_staff(hospital, Role.ADMIN, name="Admin Anders")
    sign_in_staff(client, admin, hospital)
    assert client.get("/staff/records").status_code == 403
    assert client.post(f"/staff/records/documents/{document.id}",
                       data={"reason": REASON}).status_code in (400, 403)
