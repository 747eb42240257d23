"""Export everything: her record as one accessible PDF and one FHIR Bundle (data
portability), built by a worker, with progress she can follow and a notice when ready.

The build is an outbox message on the channel ``records.export``: it inherits
publish-after-commit, claim-once, retries with backoff, dead letters and the sweep, so an
export asked for is built even if the broker was down or a worker died. The worker sees
what she (or whoever asked for her) sees online: the one rule, ``services.records.access``.

The files are kept for ``EXPORT_TTL`` and then deleted; the row stays as a receipt.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from services import audit
from services.actors import Actor
from services.clock import utcnow
from services.db import db
from services.jobs.registry import due_job
from services.notify.service import notify
from services.outbox import PermanentFailure, enqueue, sender
from services.people.fhir import to_patient
from services.people.models import Person
from services.records import fhir as records_fhir
from services.records.access import Viewer, ViewerKind, visible
from services.records.events import EXPORT_READY
from services.records.models import Document, ExportStatus, RecordExport

log = logging.getLogger(__name__)

CHANNEL = "records.export"
#: How long the files wait for her download.
EXPORT_TTL = timedelta(days=7)
#: The progress is saved after every this many documents.
PROGRESS_EVERY = 10
_PATIENT = Viewer(ViewerKind.PATIENT)


class ExportNotFound(LookupError):
    """No such export of this person, asked for by this citizen (or its files are gone)."""


@dataclass(frozen=True)
class ExportedDocument:
    document: Document
    #: The content to print: sanitised HTML, or plain text; None for an original PDF,
    #: which is attached to the PDF as it came.
    html: str | None
    text: str | None
    original_pdf: bytes | None


@dataclass(frozen=True)
class ExportContents:
    """What the PDF shows: the web side renders it (``pdf_renderer``)."""

    person: Person
    documents: list[ExportedDocument]
    generated_at: datetime
    language: str


#: Renders the export's PDF. Set by the web side (citizen/records/exports.py), which owns
#: the templates and WeasyPrint; workers create the app, so they have it too.
pdf_renderer: Callable[[ExportContents], bytes] | None = None


def request_export(*, person_id: int, actor: Actor) -> RecordExport:
    """Ask for an export of ``person_id``'s record; one already under way is returned."""
    requester = int(actor.id)
    under_way = db.session.scalar(
        sa.select(RecordExport).where(
            RecordExport.person_id == person_id,
            RecordExport.requested_by_person_id == requester,
            RecordExport.status.in_((ExportStatus.QUEUED, ExportStatus.RUNNING))))
    if under_way is not None:
        return under_way
    total = db.session.scalar(visible(
        sa.select(sa.func.count()).select_from(Document).where(Document.person_id == person_id),
        viewer=_PATIENT, now=utcnow()))
    export = RecordExport(person_id=person_id, requested_by_person_id=requester,
                          documents_total=total or 0)
    db.session.add(export)
    db.session.flush()
    enqueue(channel=CHANNEL, payload={"export_id": export.id},
            dedupe_key=f"records-export:{export.id}")
    audit.record(actor=actor, action="export", resource_type="RecordExport",
                 resource_id=export.id, subject_person_id=person_id, purpose="self-service")
    return export


def exports_of(*, person_id: int, requester_id: int) -> list[RecordExport]:
    """The exports of ``person_id`` that ``requester_id`` asked for, newest first."""
    return list(db.session.scalars(
        sa.select(RecordExport).where(RecordExport.person_id == person_id,
                                      RecordExport.requested_by_person_id == requester_id)
        .order_by(RecordExport.created_at.desc(), RecordExport.id.desc())))


def export_of(*, export_id: int, person_id: int, requester_id: int) -> RecordExport:
    export = db.session.get(RecordExport, export_id)
    if (export is None or export.person_id != person_id
            or export.requested_by_person_id != requester_id):
        raise ExportNotFound(export_id)
    return export


def download(*, export_id: int, person_id: int, requester_id: int, part: str,
             actor: Actor) -> bytes:
    """The ready export's ``pdf`` or ``bundle`` (audited as a read of her record)."""
    export = export_of(export_id=export_id, person_id=person_id, requester_id=requester_id)
    if not files_kept(export):
        raise ExportNotFound(export_id)
    data = export.pdf if part == "pdf" else export.bundle
    if data is None:
        raise ExportNotFound(export_id)
    audit.record(actor=actor, action="read", resource_type="RecordExport",
                 resource_id=f"{export.id}/{part}", subject_person_id=person_id,
                 purpose="self-service")
    return data


def files_kept(export: RecordExport, *, now: datetime | None = None) -> bool:
    """Whether the export is ready and its files not yet past their time."""
    return (export.status is ExportStatus.READY and export.expires_at is not None
            and export.expires_at > (now or utcnow()))


@sender(CHANNEL)
def _build_from_outbox(payload: dict, message_id: int) -> None:
    # The one sender that commits: its progress must be seen while it works. The outbox
    # committed its claim before calling, and records the outcome after.
    export_id = int(payload["export_id"])
    try:
        build(export_id=export_id, progress=lambda: db.session.commit())
    except Exception as exc:
        # A build that failed once fails again (a document that will not render): the row
        # says so and the outbox gives up, instead of retrying it every ten minutes.
        db.session.rollback()
        log.exception("record export failed", extra={"export_id": export_id})
        db.session.execute(sa.update(RecordExport).where(RecordExport.id == export_id)
                           .values(status=ExportStatus.FAILED, error=type(exc).__name__))
        raise PermanentFailure(f"export failed: {type(exc).__name__}") from exc


def build(*, export_id: int, progress: Callable[[], None] = lambda: None,
          now: datetime | None = None) -> RecordExport | None:
    """Build the export's PDF and Bundle; ``progress()`` is called as documents are done."""
    export = db.session.get(RecordExport, export_id)
    if export is None or export.status is ExportStatus.READY:
        return export
    if pdf_renderer is None:
        raise PermanentFailure("no PDF renderer: the web side registers one at start")
    person = db.session.get(Person, export.person_id)
    requester = db.session.get(Person, export.requested_by_person_id)
    now = now or utcnow()
    documents = list(db.session.scalars(visible(
        sa.select(Document).where(Document.person_id == export.person_id)
        .options(selectinload(Document.content), selectinload(Document.organisation),
                 selectinload(Document.unit))
        .order_by(Document.document_date.desc(), Document.id.desc()),
        viewer=_PATIENT, now=now)))
    export.status = ExportStatus.RUNNING
    export.documents_total, export.documents_done = len(documents), 0
    progress()

    entries = [_entry("Patient", to_patient(person))]
    exported = []
    for done, document in enumerate(documents, start=1):
        entries.append(_entry("DocumentReference", records_fhir.to_document_reference(document)))
        entries.append(_entry("Binary", records_fhir.to_binary(document)))
        exported.append(_printable(document))
        if done % PROGRESS_EVERY == 0:
            export.documents_done = done
            progress()
    export.documents_done = len(documents)
    bundle = {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection",
              "timestamp": now.isoformat(timespec="seconds"), "total": len(entries),
              "entry": entries}
    export.bundle = json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()
    export.pdf = pdf_renderer(ExportContents(person=person, documents=exported,
                                             generated_at=now,
                                             language=(requester or person).language))
    export.status = ExportStatus.READY
    export.finished_at = utcnow()
    export.expires_at = export.finished_at + EXPORT_TTL
    db.session.flush()
    notify(person_id=export.requested_by_person_id, event=EXPORT_READY.name, context={},
           actor=Actor.system("records.export"), key=f"records-export:{export.id}:ready")
    log.info("record export ready", extra={"export_id": export.id,
                                           "documents": len(documents)})
    return export


def _entry(resource_type: str, resource: dict) -> dict:
    full_url = uuid.uuid5(uuid.NAMESPACE_URL, f"{resource_type}/{resource['id']}").urn
    return {"fullUrl": full_url, "resource": resource}


def _printable(document: Document) -> ExportedDocument:
    data = document.content.data
    if document.content_type == "application/pdf":
        return ExportedDocument(document, html=None, text=None, original_pdf=data)
    if document.content_type == "text/html":
        return ExportedDocument(document, html=data.decode("utf-8"), text=None,
                                original_pdf=None)
    return ExportedDocument(document, html=None, text=data.decode("utf-8"), original_pdf=None)


@due_job("records.export-expiry", every=timedelta(hours=1))
def delete_expired_files(*, now: datetime) -> int:
    """Delete the files of exports past their time; the rows stay as receipts."""
    result = db.session.execute(
        sa.update(RecordExport)
        .where(RecordExport.expires_at <= now, RecordExport.pdf.is_not(None))
        .values(pdf=None, bundle=None)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0
