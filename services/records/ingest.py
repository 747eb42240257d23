"""What the hospital system tells us about its documents: create, update, replace.

A create never updates: an existing business identifier is :class:`AlreadyExists` (the FHIR
layer answers 409, and a conditional create finds the stored one). A correction is a new
document that replaces an earlier one of the same patient and hospital; the earlier one
becomes superseded and stays, so the history is kept. An update that changes nothing
changes nothing: no new version, no notice.

A document the patient can read (``services.records.access``, the one rule) is announced to
her with ``records.document-new``, once: at once if it is readable when it arrives, else at
its release time by the due job ``records.release-notices`` (services/records/tasks.py).
Notices coalesce: one a day, and another that day only once she has looked (``notice_key``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from services import audit
from services.actors import Actor
from services.clock import NORWAY, utcnow
from services.db import db
from services.notify.service import notify
from services.people.models import Person
from services.records import access
from services.records.content import Checked
from services.records.documents import last_visit
from services.records.events import DOCUMENT_NEW
from services.records.models import (
    Confidentiality,
    Document,
    DocumentContent,
    DocumentKind,
    DocumentStatus,
)

PURPOSE = "records"
RELEASE_NOTICES = Actor.system("records-release-notices")
#: How far back the due job looks for release times that have passed. Its runs are minutes
#: apart; a day covers a worker that was down for a night. (Looking further back each run
#: would scan every released document forever; notify()'s key makes a second look harmless.)
RELEASE_LOOKBACK = timedelta(days=1)


class IngestError(ValueError):
    """The hospital's data breaks a rule; the message is safe to show. ``expression``
    names the FHIR element where there is one."""

    def __init__(self, message: str, expression: str | None = None) -> None:
        super().__init__(message)
        self.expression = expression


class AlreadyExists(IngestError):
    """A create for a business identifier that is stored already."""


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class DocumentData:
    """One document as the hospital describes it (``services.records.fhir`` reads it)."""

    identifier_system: str
    identifier_value: str
    person_id: int
    organisation_id: int
    kind: DocumentKind
    title: str
    document_date: datetime
    status: DocumentStatus = DocumentStatus.CURRENT
    author_name: str | None = None
    author_hpr: str | None = None
    unit_id: int | None = None
    confidentiality: Confidentiality = Confidentiality.NORMAL
    withheld_from_patient: bool = False
    release_after: datetime | None = None
    #: The checked content; None on an update: the content stays as it is.
    content: Checked | None = None
    replaces_id: int | None = None


def document_by_identifier(*, system: str, value: str) -> Document | None:
    return db.session.scalar(sa.select(Document).where(Document.identifier_system == system,
                                                       Document.identifier_value == value))


def create_document(*, data: DocumentData, actor: Actor) -> Document:
    """Store a new document (and supersede the one it replaces); audited, announced."""
    if document_by_identifier(system=data.identifier_system,
                              value=data.identifier_value) is not None:
        raise AlreadyExists("a document with this identifier is stored",
                            "DocumentReference.identifier")
    if db.session.get(Person, data.person_id) is None:
        raise NotFound("person")
    if data.content is None:
        raise IngestError("a new document needs its content", "DocumentReference.content")
    document = Document(identifier_system=data.identifier_system,
                        identifier_value=data.identifier_value, person_id=data.person_id,
                        organisation_id=data.organisation_id)
    db.session.add(document)
    _apply(document, data)
    document.content = DocumentContent(data=data.content.data)
    replaced = _replace(document, data.replaces_id)
    db.session.flush()
    _audit(actor, "create", document)
    if replaced is not None:
        _audit(actor, "update", replaced)
    announce_if_readable(document, actor=actor)
    return document


def update_document(*, document_id: int, data: DocumentData, actor: Actor) -> Document:
    """Store ``data`` as the new version of the document; the patient, the hospital and the
    business identifier stay. Announced if this makes it readable to her."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound("document")
    if data.person_id != document.person_id:
        raise IngestError("the patient of a document cannot change",
                          "DocumentReference.subject")
    if data.organisation_id != document.organisation_id:
        raise IngestError("the custodian of a document cannot change",
                          "DocumentReference.custodian")
    if (data.identifier_system, data.identifier_value) != (document.identifier_system,
                                                           document.identifier_value):
        raise IngestError("the business identifier of a document cannot change",
                          "DocumentReference.identifier")
    if data.replaces_id != document.replaces_id and document.replaces_id is not None:
        raise IngestError("the document a correction replaces cannot change",
                          "DocumentReference.relatesTo")
    _apply(document, data)
    if data.content is not None and (data.content.sha256, data.content.content_type) != (
            document.content_sha256, document.content_type):
        document.content.data = data.content.data
        _set(document, content_type=data.content.content_type, content_size=data.content.size,
             content_sha256=data.content.sha256)
    replaced = _replace(document, data.replaces_id) if document.replaces_id is None else None
    db.session.flush()
    _audit(actor, "update", document)
    if replaced is not None:
        _audit(actor, "update", replaced)
    announce_if_readable(document, actor=actor)
    return document


def announce_if_readable(document: Document, *, actor: Actor,
                         now: datetime | None = None) -> bool:
    """Tell her of ``document`` if she can read it now and has not been told of it; whether
    she was. Whether she can is the one rule's answer (``access.visible``), not a copy."""
    now = now or utcnow()
    if document.announced_at is not None:
        return False
    readable = db.session.scalar(access.visible(
        sa.select(Document.id).where(Document.id == document.id),
        viewer=access.Viewer(access.ViewerKind.PATIENT), now=now))
    if readable is None:
        return False
    # Bookkeeping, not a change of the document: neither its FHIR version nor its
    # lastUpdated moves (an ORM change would bump both).
    db.session.execute(sa.update(Document).where(Document.id == document.id).values(
        announced_at=now, updated_at=Document.updated_at).execution_options(
        synchronize_session=False))
    set_committed_value(document, "announced_at", now)
    notify(person_id=document.person_id, event=DOCUMENT_NEW.name, context={}, actor=actor,
           organisation_id=document.organisation_id,
           key=notice_key(document.person_id, now=now))
    return True


def notice_key(person_id: int, *, now: datetime) -> str:
    """New documents are told of once a Norwegian day, and again the same day only after
    she has looked at her documents since: a hospital filing eight results in an afternoon
    sends one message, not eight (the daily cap stopped the sixth)."""
    looked = last_visit(person_id=person_id, actor=Actor.person(person_id))
    since = f":seen-{looked:%Y%m%dT%H%M%S}" if looked is not None else ""
    return f"record-documents:{person_id}:new:{now.astimezone(NORWAY).date().isoformat()}{since}"


def send_release_notices(*, now: datetime) -> int:
    """Announce the documents whose release time came since the last look; how many."""
    due = db.session.scalars(access.visible(
        sa.select(Document).where(Document.release_after.is_not(None),
                                  Document.release_after > now - RELEASE_LOOKBACK,
                                  Document.release_after <= now,
                                  Document.announced_at.is_(None)),
        viewer=access.Viewer(access.ViewerKind.PATIENT), now=now)
        .order_by(Document.release_after, Document.id)).all()
    return sum(announce_if_readable(document, actor=RELEASE_NOTICES, now=now)
               for document in due)


def _replace(document: Document, replaces_id: int | None) -> Document | None:
    """Link ``document`` to the one it corrects, which becomes superseded; that one."""
    if replaces_id is None:
        return None
    # Its own id first: looking the earlier one up would flush it, and a reference to the
    # id it is about to get must read as "itself", not link it to itself.
    db.session.flush()
    if replaces_id == document.id:
        raise IngestError("a document cannot replace itself", "DocumentReference.relatesTo")
    earlier = db.session.get(Document, replaces_id)
    if (earlier is None or earlier.person_id != document.person_id
            or earlier.organisation_id != document.organisation_id):
        # The same answer for another patient's document as for none: ids are not a way
        # to learn what exists.
        raise IngestError("the replaced document is not one of this hospital's documents "
                          "about this patient", "DocumentReference.relatesTo")
    if document.id is not None and document.id in _replaced_chain(earlier):
        raise IngestError("a correction cannot replace a correction of itself",
                          "DocumentReference.relatesTo")
    document.replaces = earlier
    if earlier.status is DocumentStatus.CURRENT:
        earlier.status = DocumentStatus.SUPERSEDED
    return earlier


def _replaced_chain(document: Document) -> set[int]:
    """The ids of the documents ``document`` corrects, directly or through others."""
    seen: set[int] = set()
    current = document.replaces_id
    while current is not None and current not in seen:
        seen.add(current)
        current = db.session.scalar(sa.select(Document.replaces_id).where(Document.id == current))
    return seen


def _apply(document: Document, data: DocumentData) -> None:
    _set(document, status=data.status, kind=data.kind, title=data.title,
         author_name=data.author_name, author_hpr=data.author_hpr, unit_id=data.unit_id,
         document_date=data.document_date, confidentiality=data.confidentiality,
         withheld_from_patient=data.withheld_from_patient, release_after=data.release_after)
    if data.content is not None and document.id is None:
        document.content_type = data.content.content_type
        document.content_size = data.content.size
        document.content_sha256 = data.content.sha256


def _set(row, **values) -> None:
    """Assign only what differs, so an update that changes nothing makes no new version."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _audit(actor: Actor, action: str, document: Document) -> None:
    audit.record(actor=actor, action=action, resource_type="DocumentReference",
                 resource_id=document.id, subject_person_id=document.person_id,
                 purpose=PURPOSE)
