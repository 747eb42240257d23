"""Wound-infection follow-up: operations the hospital registers (FHIR Procedure), what it
reports afterwards (readmission, reoperation, death), the follow-up case of each operation,
the patient's one answer to its questionnaire, and an optional wound photo.

Times are UTC (``services.db.UTCDateTime``); days are Norwegian calendar days.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from services.clock import NORWAY, utcnow
from services.db import db, str_enum
from services.people.models import Organisation


class OperationStatus(StrEnum):
    """Procedure.status values we keep."""

    COMPLETED = "completed"
    ENTERED_IN_ERROR = "entered-in-error"


class Operation(db.Model):
    """One operation under surveillance (the NOIS-POSI denominator record)."""

    __tablename__ = "wound_operations"
    __table_args__ = (
        sa.UniqueConstraint("identifier_system", "identifier_value"),
        sa.Index("ix_wound_operations_org_performed", "organisation_id", "performed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    #: The hospital's business identifier (Procedure.identifier).
    identifier_system: Mapped[str] = mapped_column(sa.String(200))
    identifier_value: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[OperationStatus] = mapped_column(str_enum(OperationStatus, 20),
                                                    default=OperationStatus.COMPLETED)
    #: The catalogue category's key (``services.wound.catalogue``): CSEC, HPRO ...
    category: Mapped[str] = mapped_column(sa.String(10))
    #: The hospital's own procedure code as sent (e.g. NCSP), for staff; not used to classify.
    procedure_code: Mapped[str | None] = mapped_column(sa.String(50))
    procedure_display: Mapped[str | None] = mapped_column(sa.String(200))
    performed_at: Mapped[datetime]
    duration_minutes: Mapped[int]
    asa_class: Mapped[int] = mapped_column(sa.SmallInteger)
    #: Wound contamination class ("renhetsgrad") 1 clean – 4 dirty.
    wound_class: Mapped[int] = mapped_column(sa.SmallInteger)
    emergency: Mapped[bool]
    antibiotic_prophylaxis: Mapped[bool]
    endoscopic: Mapped[bool]
    implant: Mapped[bool]
    discharged_on: Mapped[date | None]
    #: The hospital (Procedure.performer.onBehalfOf), and the unit where given.
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    #: Computed at registration (``services.wound.risk``): -1 to 3.
    nnis_index: Mapped[int] = mapped_column(sa.SmallInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    #: The FHIR versionId and ETag.
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    unit: Mapped[Organisation | None] = relationship(foreign_keys=[unit_id])

    @property
    def operated_on(self) -> date:
        """The Norwegian day of the operation: day 0 of the follow-up, the surveillance's."""
        return self.performed_at.astimezone(NORWAY).date()


class ReportedEventKind(StrEnum):
    READMITTED = "readmitted"
    REOPERATED = "reoperated"
    DIED = "died"


class ReportedEvent(db.Model):
    """What the hospital reports after the operation: each mutes the wound reminders, and
    staff see it beside the case."""

    __tablename__ = "wound_reported_events"
    __table_args__ = (sa.UniqueConstraint("operation_id", "kind", "occurred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("wound_operations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReportedEventKind] = mapped_column(str_enum(ReportedEventKind, 20))
    occurred_on: Mapped[date]
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: ``system`` <client id> or ``staff`` <id>: who reported it.
    reported_by: Mapped[str] = mapped_column(sa.String(120))


class CaseState(StrEnum):
    """The follow-up case's states; the allowed moves are one state machine
    (``services.wound.states``)."""

    SCHEDULED = "scheduled"
    INVITED = "invited"
    REMINDED = "reminded"
    ANSWERED = "answered"
    NON_RESPONDER = "non_responder"
    TRIAGED = "triaged"
    UNDER_REVIEW = "under_review"
    AWAITING_INFORMATION = "awaiting_information"
    CLASSIFIED = "classified"
    CLOSED = "closed"
    LOST = "lost_to_follow_up"


class AnswerChannel(StrEnum):
    WEB = "web"
    HELSENORGE = "helsenorge"
    FHIR = "fhir"
    SMS = "sms"
    #: Staff filled the questionnaire in on the patient's behalf, on the phone.
    PHONE = "phone"


class FollowUp(db.Model):
    """The follow-up of one operation: when she is asked, what she answered, where the case
    stands for infection-control staff."""

    __tablename__ = "wound_follow_ups"
    __table_args__ = (
        sa.Index("ix_wound_follow_ups_due", "state", "due_on"),
        sa.Index("ix_wound_follow_ups_org_state", "organisation_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("wound_operations.id", ondelete="CASCADE"), unique=True)
    #: Copied from the operation for the worklist and her pages (never changes).
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    #: The day she is invited: the operation's day + the category's follow-up days.
    due_on: Mapped[date]
    state: Mapped[CaseState] = mapped_column(str_enum(CaseState, 25),
                                             default=CaseState.SCHEDULED)
    questionnaire_url: Mapped[str] = mapped_column(sa.String(200))
    questionnaire_version: Mapped[str] = mapped_column(sa.String(20))
    invited_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    last_reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    answered_via: Mapped[AnswerChannel | None] = mapped_column(str_enum(AnswerChannel, 12))
    #: Why she is not sent reminders (readmitted, died, opted out); None: she is.
    muted_reason: Mapped[str | None] = mapped_column(sa.String(30))
    #: Automatic triage of the answer (``services.wound.triage``): the red flags found and
    #: the documented score.
    red_flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    triage_score: Mapped[int | None] = mapped_column(sa.SmallInteger)
    #: The triage put the answer first on the worklist (a red flag, or the score at the
    #: threshold); stored so the worklist sorts on a column.
    flagged: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: Optimistic locking: two staff members' edits never silently overwrite each other.
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    operation: Mapped[Operation] = relationship()


class AnswerStatus(StrEnum):
    DRAFT = "in-progress"
    FINAL = "completed"


class Answer(db.Model):
    """Her one answer to the case's questionnaire (a FHIR QuestionnaireResponse), however it
    came: a draft until submitted; once final, a repeat of it is accepted as the same and
    anything else is refused."""

    __tablename__ = "wound_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(
        sa.ForeignKey("wound_follow_ups.id", ondelete="CASCADE"), unique=True)
    status: Mapped[AnswerStatus] = mapped_column(str_enum(AnswerStatus, 12),
                                                 default=AnswerStatus.DRAFT)
    #: The QuestionnaireResponse's items (linkId → answers), as validated.
    response: Mapped[dict] = mapped_column(sa.JSON)
    channel: Mapped[AnswerChannel] = mapped_column(str_enum(AnswerChannel, 12))
    #: Who gave it: ``person`` <id> (she or a representative), ``staff`` <id> on the phone,
    #: ``system`` <client id>.
    answered_by: Mapped[str] = mapped_column(sa.String(120))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    #: SHA-256 of the final answer's canonical JSON: a resubmission of the same is a no-op.
    final_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}


class Photo(db.Model):
    """A wound photo sent with the web answer: JPEG or PNG as re-encoded without metadata
    (EXIF, GPS) by Pillow; shown only to the reviewing staff."""

    __tablename__ = "wound_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(
        sa.ForeignKey("wound_follow_ups.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(sa.String(20))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(sa.String(120))


class SSILevel(StrEnum):
    """The NHSN/ECDC levels of a surgical-site infection, and none."""

    NONE = "none"
    SUPERFICIAL = "superficial"
    DEEP = "deep"
    ORGAN_SPACE = "organ_space"


class Detection(StrEnum):
    """Where the infection was found (NOIS-POSI's "påvist")."""

    IN_HOSPITAL = "in_hospital"
    READMISSION = "readmission"
    AFTER_DISCHARGE = "after_discharge"


class Classification(db.Model):
    """Infection-control staff's classification of a case: the level, the NHSN criterion
    met and the findings it rests on, beside what the rules helper proposed
    (``services.wound.classify``); an override of the proposal carries its reason."""

    __tablename__ = "wound_classifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(
        sa.ForeignKey("wound_follow_ups.id", ondelete="CASCADE"), unique=True)
    level: Mapped[SSILevel] = mapped_column(str_enum(SSILevel, 15))
    #: The organ/space site (NHSN's code, e.g. IAB, EMET, JNT), for organ/space only.
    organ_site: Mapped[str | None] = mapped_column(sa.String(10))
    onset_on: Mapped[date | None]
    #: The criterion met (``services.wound.classify``'s code), None for no SSI.
    criterion: Mapped[str | None] = mapped_column(sa.String(40))
    detected: Mapped[Detection | None] = mapped_column(str_enum(Detection, 20))
    microorganism: Mapped[str | None] = mapped_column(sa.String(200))
    readmitted: Mapped[bool] = mapped_column(default=False)
    reoperated: Mapped[bool] = mapped_column(default=False)
    died: Mapped[bool] = mapped_column(default=False)
    #: What staff found (purulent drainage, opened by a surgeon, abscess, culture, ...), as
    #: the rules helper reads it.
    findings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    proposed_level: Mapped[SSILevel | None] = mapped_column(str_enum(SSILevel, 15))
    proposed_criterion: Mapped[str | None] = mapped_column(sa.String(40))
    #: Why staff chose another level than the proposal; required when they did.
    override_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    classified_by: Mapped[str] = mapped_column(sa.String(120))
    classified_at: Mapped[datetime] = mapped_column(default=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}


class NoteKind(StrEnum):
    NOTE = "note"
    CALL = "call"


class CallOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    #: Staff filled the questionnaire in on the patient's behalf during the call.
    ANSWERED_BY_PHONE = "answered_by_phone"


class CaseNote(db.Model):
    """A structured note on a case, or a phone call and its outcome; never edited."""

    __tablename__ = "wound_case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(
        sa.ForeignKey("wound_follow_ups.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NoteKind] = mapped_column(str_enum(NoteKind, 10))
    #: A note's topic code (``services.wound.review``), None for a call.
    topic: Mapped[str | None] = mapped_column(sa.String(30))
    outcome: Mapped[CallOutcome | None] = mapped_column(str_enum(CallOutcome, 20))
    text: Mapped[str] = mapped_column(sa.String(2000), default="")
    written_by: Mapped[str] = mapped_column(sa.String(120))
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
