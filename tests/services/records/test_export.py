"""Export everything: the Bundle and the PDF hold what she sees online and nothing else,
the build goes through the outbox, its progress is saved, she is told when it is ready,
and the files go after seven days."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pypdf
import pytest
import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle

from services import jobs
from services.actors import Actor
from services.db import db
from services.notify.models import Notification
from services.outbox.models import OutboxMessage, OutboxStatus
from services.outbox.tasks import deliver
from services.records import export
from services.records.models import ExportStatus, RecordExport
from tests.plugins.clock import T0
from tests.plugins.factories import make_organisation, make_person
from tests.services.records.factories import make_block, make_document

MINIMAL_PDF_TEXT = "Originalt PDF-dokument"


def _pdf_bytes(text: str) -> bytes:
    """A small real PDF with ``text`` on it, as a hospital would send."""
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def patient(hospital):
    return make_person(given_name="Ola", family_name="Hansen")


@pytest.fixture
def record(patient, hospital):
    """Her record: an HTML note, a plain-text lab report, an original PDF, and what she does
    not see online (withheld, not yet released, entered in error)."""
    return {
        "note": make_document(patient, hospital, title="Poliklinisk notat", kind="outpatient-note",
                              content=b"<h2>Vurdering</h2><p>Saret gror fint.</p>",
                              document_date=T0 - timedelta(days=3)),
        "lab": make_document(patient, hospital, title="Blodprøver", kind="lab-report",
                             content=b"CRP 4 mg/L\nHb 13,9 g/dL",
                             content_type="text/plain", document_date=T0 - timedelta(days=2)),
        "pdf": make_document(patient, hospital, title="Henvisning", kind="letter",
                             content=_pdf_bytes(MINIMAL_PDF_TEXT),
                             content_type="application/pdf",
                             document_date=T0 - timedelta(days=10)),
        "withheld": make_document(patient, hospital, title="Unntatt innsyn", withheld=True),
        "later": make_document(patient, hospital, title="Svar kommer",
                               release_after=T0 + timedelta(days=7)),
        "error": make_document(patient, hospital, title="Feilregistrert",
                               status="entered-in-error"),
    }


def _asked(patient, requester=None) -> RecordExport:
    requester = requester or patient
    found = export.request_export(person_id=patient.id,
                                  actor=Actor.person(requester.id,
                                                     on_behalf_of=patient.id
                                                     if requester is not patient else None))
    db.session.commit()
    return found


def _built(found: RecordExport) -> RecordExport:
    [message] = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.channel == export.CHANNEL,
        OutboxMessage.payload["export_id"].as_integer() == found.id))
    assert deliver.run(message.id) == "sent"
    db.session.expire_all()
    return db.session.get(RecordExport, found.id)


def test_the_bundle_holds_her_patient_and_every_document_she_sees_online(record, patient):
    make_block(patient, kind="everything")  # her blocks do not hide anything from her
    built = _built(_asked(patient))

    assert built.status is ExportStatus.READY and built.progress == 100
    assert (built.documents_total, built.documents_done) == (3, 3)
    bundle = json.loads(built.bundle)
    Bundle.model_validate(bundle)  # valid FHIR R4(B)
    types = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert types == ["Patient"] + ["DocumentReference", "Binary"] * 3
    titles = [entry["resource"].get("description") for entry in bundle["entry"]
              if entry["resource"]["resourceType"] == "DocumentReference"]
    assert titles == ["Blodprøver", "Poliklinisk notat", "Henvisning"]  # newest first
    assert all(entry["fullUrl"].startswith("urn:uuid:") for entry in bundle["entry"])


def test_the_pdf_is_tagged_and_prints_every_document_and_attaches_original_pdfs(record, patient):
    built = _built(_asked(patient))
    reader = pypdf.PdfReader(io.BytesIO(built.pdf))
    text = " ".join(page.extract_text() for page in reader.pages)

    assert "Helsejournal for Ola Hansen" in text
    for shown in ("Poliklinisk notat", "Saret gror fint.", "Blodprøver", "CRP 4 mg/L",
                  "Henvisning"):
        assert shown in text
    for hidden in ("Unntatt innsyn", "Svar kommer", "Feilregistrert"):
        assert hidden not in text
    name = f"{record['pdf'].document_date:%Y-%m-%d}-dokument-{record['pdf'].id}.pdf"
    assert list(reader.attachments) == [name]
    attached = pypdf.PdfReader(io.BytesIO(reader.attachments[name][0]))
    assert MINIMAL_PDF_TEXT in attached.pages[0].extract_text()
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]  # tagged (pdf/ua-1)
    assert reader.trailer["/Root"]["/Lang"] == "nb"


def test_asking_twice_while_one_is_under_way_gives_the_same_export(record, patient):
    first = _asked(patient)
    assert _asked(patient).id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
    _built(first)
    assert _asked(patient).id != first.id  # once ready, a new one may be asked for


def test_the_one_who_asked_is_told_when_it_is_ready(record, patient):
    daughter = make_person(given_name="Hilde")
    built = _built(_asked(patient, requester=daughter))
    [notice] = db.session.scalars(sa.select(Notification).where(
        Notification.event == "records.export-ready"))
    assert notice.person_id == daughter.id and built.requested_by_person_id == daughter.id


def test_progress_is_saved_as_the_build_goes(record, patient, hospital, monkeypatch):
    for n in range(25):
        make_document(patient, hospital, title=f"Notat {n}")
    found = _asked(patient)
    seen = []

    def progress():
        row = db.session.get(RecordExport, found.id)
        seen.append((row.status, row.documents_done, row.documents_total))

    export.build(export_id=found.id, progress=progress)
    assert seen == [(ExportStatus.RUNNING, 0, 28), (ExportStatus.RUNNING, 10, 28),
                    (ExportStatus.RUNNING, 20, 28)]


def test_downloads_belong_to_the_one_who_asked_until_the_files_expire(record, patient,
                                                                       frozen_clock):
    built = _built(_asked(patient))
    other = make_person(given_name="Per")
    me = Actor.person(patient.id)

    def fetch(requester_id, part="pdf"):
        return export.download(export_id=built.id, person_id=patient.id,
                               requester_id=requester_id, part=part, actor=me)

    assert fetch(patient.id).startswith(b"%PDF-")
    assert json.loads(fetch(patient.id, "bundle"))["resourceType"] == "Bundle"
    with pytest.raises(export.ExportNotFound):
        fetch(other.id)
    with pytest.raises(export.ExportNotFound):
        export.download(export_id=built.id, person_id=other.id, requester_id=patient.id,
                        part="pdf", actor=me)

    frozen_clock.move_to(built.expires_at - timedelta(seconds=1))
    assert fetch(patient.id)
    frozen_clock.move_to(built.expires_at)
    with pytest.raises(export.ExportNotFound):
        fetch(patient.id)


def test_the_expiry_job_deletes_the_files_and_keeps_the_row(record, patient):
    built = _built(_asked(patient))
    [before] = jobs.run_due(only="records.export-expiry", now=built.expires_at
                            - timedelta(seconds=1))
    assert before.handled == 0
    db.session.commit()
    [due] = jobs.run_due(only="records.export-expiry", now=built.expires_at + timedelta(hours=1))
    assert due.ok and due.handled == 1
    db.session.expire_all()
    kept = db.session.get(RecordExport, built.id)
    assert (kept.pdf, kept.bundle, kept.status) == (None, None, ExportStatus.READY)


def test_a_build_that_fails_says_so_and_is_not_retried(record, patient, monkeypatch):
    def broken(contents):
        raise RuntimeError("weasyprint fell over")

    monkeypatch.setattr(export, "pdf_renderer", broken)
    found = _asked(patient)
    [message] = db.session.scalars(sa.select(OutboxMessage))
    assert deliver.run(message.id) == "dead"
    db.session.expire_all()
    assert db.session.get(RecordExport, found.id).status is ExportStatus.FAILED
    assert db.session.get(OutboxMessage, message.id).status is OutboxStatus.DEAD


def test_asking_is_audited_as_an_export_of_her_record(record, patient):
    from services.audit.models import AuditEvent

    found = _asked(patient)
    [row] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export"))
    assert (row.subject_person_id, row.resource_type, row.resource_id) == (
        patient.id, "RecordExport", str(found.id))
