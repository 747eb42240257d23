"""My record: the hospital's documents about a person, what she blocks from whom, the
questions she asks about her access log, and the exports she takes home.

Times are UTC (``services.db.UTCDateTime``); pages show them in Europe/Oslo.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from services.clock import utcnow
from services.db import db, str_enum
from services.people.models import Organisation, StaffMember


class DocumentKind(StrEnum):
    """What a document is; each maps to one LOINC document type (``services.records.fhir``)."""

    DISCHARGE_SUMMARY = "discharge-summary"
    OUTPATIENT_NOTE = "outpatient-note"
    LAB_REPORT = "lab-report"
    IMAGING_REPORT = "imaging-report"
    LETTER = "letter"


class DocumentStatus(StrEnum):
    """DocumentReference.status: a correction supersedes the version it replaces."""

    CURRENT = "current"
    SUPERSEDED = "superseded"
    ENTERED_IN_ERROR = "entered-in-error"


class Confidentiality(StrEnum):
    """HL7 v3 Confidentiality (DocumentReference.securityLabel)."""

    NORMAL = "N"
    RESTRICTED = "R"
    VERY_RESTRICTED = "V"


class Document(db.Model):
    """One document in a person's hospital record (FHIR DocumentReference).

    The content lives in ``DocumentContent`` so that lists never load it. A correction is a
    new document that ``replaces`` the earlier one, whose status becomes superseded.
    """

    __tablename__ = "record_documents"
    __table_args__ = (
        sa.UniqueConstraint("identifier_system", "identifier_value"),
        #: Her documents newest first, in the list's order and its cursor's keys.
        sa.Index("ix_record_documents_person_date_id", "person_id", "document_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    #: The hospital's business identifier (DocumentReference.identifier / masterIdentifier).
    identifier_system: Mapped[str] = mapped_column(sa.String(200))
    identifier_value: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[DocumentStatus] = mapped_column(str_enum(DocumentStatus, 20),
                                                   default=DocumentStatus.CURRENT)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind, 30))
    title: Mapped[str] = mapped_column(sa.String(300))
    #: Who wrote it, as the hospital names them; HPR number where given.
    author_name: Mapped[str | None] = mapped_column(sa.String(200))
    author_hpr: Mapped[str | None] = mapped_column(sa.String(9))
    #: The hospital whose record it is (DocumentReference.custodian).
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    #: The unit within it (the author's organisation, where more precise).
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    #: When the document was written (DocumentReference.date).
    document_date: Mapped[datetime]
    confidentiality: Mapped[Confidentiality] = mapped_column(str_enum(Confidentiality, 1),
                                                             default=Confidentiality.NORMAL)
    #: The hospital withholds it from the patient under a legal exception (pasient- og
    #: brukerrettighetsloven § 5-1): she and those acting for her do not see it at all.
    withheld_from_patient: Mapped[bool] = mapped_column(default=False)
    #: Not shown to the patient before this moment (a result released once the doctor has
    #: talked with her). None: at once.
    release_after: Mapped[datetime | None]
    #: When she was told of it (services/records/ingest.py: ``announce_if_readable``); None
    #: while it waits for its release time or she cannot read it.
    announced_at: Mapped[datetime | None]
    #: ``application/pdf``, ``text/html`` (sanitised before storage) or ``text/plain``.
    content_type: Mapped[str] = mapped_column(sa.String(50))
    content_size: Mapped[int]
    #: SHA-256 of the stored content, hex (DocumentReference.content.attachment.hash is SHA-1
    #: by the spec; this one is ours, for integrity and export).
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    #: The document this one corrects (relatesTo code ``replaces``).
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("record_documents.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    #: The FHIR versionId and ETag.
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    unit: Mapped[Organisation | None] = relationship(foreign_keys=[unit_id])
    replaces: Mapped[Document | None] = relationship(remote_side=[id])
    content: Mapped[DocumentContent] = relationship(
        back_populates="document", cascade="all, delete-orphan", uselist=False)


class DocumentContent(db.Model):
    """The bytes of a document, as stored after checking (and, for HTML, sanitising)."""

    __tablename__ = "record_document_contents"

    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("record_documents.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)

    document: Mapped[Document] = relationship(back_populates="content")


class BlockKind(StrEnum):
    """What a block keeps from sharing: one document, everything from one organisation,
    everything; or everything from one named staff member."""

    DOCUMENT = "document"
    ORGANISATION = "organisation"
    EVERYTHING = "everything"
    STAFF = "staff"


class Block(db.Model):
    """A citizen's block (sperring, helsepersonelloven §§ 25, 45): in force until lifted.

    Document, organisation and everything blocks keep documents from other organisations'
    staff and from system clients other than the record's own hospital; a staff block keeps
    every document from the named staff member, their own hospital's included.
    """

    __tablename__ = "record_blocks"
    __table_args__ = (sa.Index("ix_record_blocks_person_lifted", "person_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[BlockKind] = mapped_column(str_enum(BlockKind, 20))
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("record_documents.id"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Who set it: ``person`` <id>, herself or someone acting for her.
    created_by: Mapped[str] = mapped_column(sa.String(120))
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(sa.String(120))

    document: Mapped[Document | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    staff: Mapped[StaffMember | None] = relationship()


class OnlineAccessRemoval(db.Model):
    """She has removed her own online access to her record (and so everyone's acting for
    her online, helsenorge included) from ``removed_at`` until ``restored_at``."""

    __tablename__ = "record_online_access_removals"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    removed_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_by: Mapped[str] = mapped_column(sa.String(120))
    restored_at: Mapped[datetime | None]
    restored_by: Mapped[str | None] = mapped_column(sa.String(120))


class QuestionStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"


class AccessQuestion(db.Model):
    """"Ask why": her question about one entry of her access log, to the records officer of
    the organisation the entry names, and the answer."""

    __tablename__ = "record_access_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    #: The entry asked about. No foreign key: the audit trail is append-only and guarded on
    #: its own (TRUNCATE refused, checkpoints); a key into it would tie its guards to ours.
    audit_event_id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    status: Mapped[QuestionStatus] = mapped_column(str_enum(QuestionStatus, 10),
                                                   default=QuestionStatus.OPEN)
    question: Mapped[str] = mapped_column(sa.Text)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The citizen who asked: she, or someone acting for her.
    asked_by_person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None]
    answered_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id"))
    #: When she first saw the answer (the home tile counts those not yet seen).
    answer_seen_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    answered_by: Mapped[StaffMember | None] = relationship()


class ExportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"


class RecordExport(db.Model):
    """Everything in her record as one accessible PDF and one FHIR Bundle, built by a worker."""

    __tablename__ = "record_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    requested_by_person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    status: Mapped[ExportStatus] = mapped_column(str_enum(ExportStatus, 10),
                                                 default=ExportStatus.QUEUED)
    documents_total: Mapped[int] = mapped_column(default=0)
    documents_done: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    #: After this the files are deleted (the row stays, as a receipt of the export).
    expires_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(sa.String(200))
    pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    #: The FHIR Bundle as JSON bytes.
    bundle: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))

    @property
    def progress(self) -> int:
        """Per cent done."""
        if self.status is ExportStatus.READY:
            return 100
        return 0 if not self.documents_total else 100 * self.documents_done // self.documents_total
