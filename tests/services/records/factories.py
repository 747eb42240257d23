"""Test data for the record domain: documents with content, blocks, and the removal of
online access, stored directly (the FHIR ingest has its own tests)."""

from __future__ import annotations

import hashlib
import itertools
from datetime import datetime

from services.clock import utcnow
from services.db import db
from services.records.models import (
    Block,
    BlockKind,
    Confidentiality,
    Document,
    DocumentContent,
    DocumentKind,
    DocumentStatus,
    OnlineAccessRemoval,
)

HOSPITAL_DOCUMENTS = "urn:oid:2.16.578.1.12.4.1.4.1.1"
_numbers = itertools.count(1)


def make_document(person, organisation, *, title: str = "Epikrise", kind: str = "discharge-summary",
                  document_date: datetime | None = None, status: str = "current",
                  withheld: bool = False, release_after: datetime | None = None,
                  content: bytes = b"<p>Innlagt for observasjon.</p>",
                  content_type: str = "text/html", author_name: str | None = "Lege Test",
                  unit=None, confidentiality: str = "N", replaces=None,
                  identifier: str | None = None) -> Document:
    document = Document(
        person_id=person.id, identifier_system=HOSPITAL_DOCUMENTS,
        identifier_value=identifier or f"doc-{next(_numbers)}",
        status=DocumentStatus(status), kind=DocumentKind(kind), title=title,
        author_name=author_name, organisation_id=organisation.id,
        unit_id=unit.id if unit is not None else None,
        document_date=document_date or utcnow(), confidentiality=Confidentiality(confidentiality),
        withheld_from_patient=withheld, release_after=release_after,
        content_type=content_type, content_size=len(content),
        content_sha256=hashlib.sha256(content).hexdigest(),
        replaces_id=replaces.id if replaces is not None else None,
        content=DocumentContent(data=content),
    )
    db.session.add(document)
    db.session.commit()
    return document


def make_block(person, *, kind: str, document=None, organisation=None, staff=None,
               lifted: bool = False) -> Block:
    block = Block(person_id=person.id, kind=BlockKind(kind),
                  document_id=document.id if document is not None else None,
                  organisation_id=organisation.id if organisation is not None else None,
                  staff_id=staff.id if staff is not None else None,
                  created_by=f"person:{person.id}",
                  lifted_at=utcnow() if lifted else None,
                  lifted_by=f"person:{person.id}" if lifted else None)
    db.session.add(block)
    db.session.commit()
    return block


def remove_online_access(person) -> OnlineAccessRemoval:
    removal = OnlineAccessRemoval(person_id=person.id, removed_by=f"person:{person.id}")
    db.session.add(removal)
    db.session.commit()
    return removal
