"""One case as infection-control staff work it: what there is to read, the moves they make
by hand, structured notes and phone calls (an answer taken on the phone included).

Every write names the version of the case it was made against (``staff.check_version``):
two staff members acting on the same case never silently cross; the second is told the
case changed (:class:`staff.Stale`). Every read and write is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from services import audit
from services.actors import Actor, ActorKind
from services.db import db
from services.people.models import Person, StaffMember
from services.wound import answered, answers, photos, staff, states
from services.wound.models import (
    Answer,
    AnswerChannel,
    CallOutcome,
    CaseNote,
    FollowUp,
    NoteKind,
    Operation,
    ReportedEvent,
)
from services.wound.models import CaseState as S
from services.wound.worklist import red_flag_texts

#: Note topics staff choose from; "other" needs a text.
TOPICS = ("patient-contacted", "gp-contacted", "records-requested", "culture-requested",
          "other")
#: The topic of a note written with a move: ``state:<to>``.
STATE_TOPIC = "state:"
MAX_TEXT = 2000
#: The moves staff make by hand on the case page (a subset of ``states.ALLOWED``); the
#: others are the system's (invitations, her answer, the hospital's withdrawal) or the
#: classification page's (→ classified, which needs a classification).
BY_HAND = frozenset({(S.ANSWERED, S.TRIAGED), (S.TRIAGED, S.UNDER_REVIEW),
                     (S.UNDER_REVIEW, S.AWAITING_INFORMATION),
                     (S.AWAITING_INFORMATION, S.UNDER_REVIEW), (S.CLASSIFIED, S.CLOSED),
                     (S.CLASSIFIED, S.UNDER_REVIEW), (S.NON_RESPONDER, S.LOST)})
NOTE_RESOURCE = "WoundCaseNote"
_STAFF = f"{ActorKind.STAFF.value}:"


class Invalid(ValueError):
    """Bad input; ``field`` names which (the page shows it there), ``code`` what is wrong."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field, self.code = field, code


def allowed_moves(state: S) -> list[S]:
    """The states staff may move a case in ``state`` to, in the machine's order."""
    return [to for to in S if to in states.ALLOWED[state] and (state, to) in BY_HAND]


@dataclass(frozen=True)
class Detail:
    case: FollowUp
    operation: Operation
    person: Person
    answer: Answer | None
    #: Her answer question by question in the questionnaire's words (final or draft).
    sections: list[answered.Section]
    red_flags: list[str]
    photo_ids: list[int]
    events: list[ReportedEvent]
    #: Notes and calls, newest first.
    notes: list[CaseNote]
    #: The names of the staff who wrote them (``writers``).
    writers: dict[str, str]
    allowed: list[S]

    @property
    def version(self) -> int:
        return self.case.version_id


def case_detail(*, case_id: int, actor: Actor, language: str = "nb") -> Detail:
    """Everything about one case of ``actor``'s hospital; audited."""
    case = staff.case_for(case_id, actor=actor)
    staff.audit_read(case, actor=actor)
    answer = answers.answer_of(case.id)
    notes = list(db.session.scalars(sa.select(CaseNote).where(
        CaseNote.follow_up_id == case.id).order_by(CaseNote.written_at.desc(),
                                                   CaseNote.id.desc())))
    sections = (answered.sections(answers.questionnaire_of(case),
                                  answer.response.get("item", []), language=language)
                if answer is not None else [])
    return Detail(
        case=case, operation=case.operation, person=db.session.get(Person, case.person_id),
        answer=answer, sections=sections, red_flags=red_flag_texts(case, language),
        photo_ids=[p.id for p in photos.photos_of(case_id=case.id, actor=actor)],
        events=list(db.session.scalars(sa.select(ReportedEvent).where(
            ReportedEvent.operation_id == case.operation_id).order_by(
            ReportedEvent.occurred_on))),
        notes=notes, writers=writers(notes), allowed=allowed_moves(case.state))


def writers(notes: Iterable[CaseNote]) -> dict[str, str]:
    """The name of each staff member who wrote one of ``notes``, by the ``staff:<id>`` the
    note names; the system's notes (``system:...``) have no name and are not in it."""
    ids = {int(ref.removeprefix(_STAFF)) for ref in (n.written_by for n in notes)
           if ref.startswith(_STAFF) and ref.removeprefix(_STAFF).isdecimal()}
    if not ids:
        return {}
    return {f"{_STAFF}{member.id}": member.name for member in db.session.scalars(
        sa.select(StaffMember).where(StaffMember.id.in_(ids)))}


def _locked(case_id: int, version: int | None, actor: Actor) -> FollowUp:
    case = staff.case_for(case_id, actor=actor, for_update=True)
    staff.check_version(case, version)
    return case


def _text(text: str | None, *, required: bool = False) -> str:
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise Invalid("text", "too-long")
    if required and not text:
        raise Invalid("text", "required")
    return text


def transition(*, case_id: int, to: S | str, version: int | None, actor: Actor,
               note: str | None = None) -> FollowUp:
    """Move the case by hand; :class:`states.NotAllowed` for a move staff cannot make."""
    try:
        to = S(to)
    except ValueError:
        raise Invalid("to", "unknown-state") from None
    text = _text(note)
    case = _locked(case_id, version, actor)
    if (case.state, to) not in BY_HAND:
        raise states.NotAllowed(f"staff cannot move a case from {case.state.value} to "
                                f"{to.value}")
    states.move(case, to, actor=actor)
    if text:
        _note(case, actor, kind=NoteKind.NOTE, topic=STATE_TOPIC + to.value, text=text)
    return case


def add_note(*, case_id: int, topic: str, text: str | None, version: int | None,
             actor: Actor) -> CaseNote:
    """A structured note on the case; the case's version moves on."""
    if topic not in TOPICS:
        raise Invalid("topic", "unknown-topic")
    text = _text(text, required=topic == "other")
    case = _locked(case_id, version, actor)
    note = _note(case, actor, kind=NoteKind.NOTE, topic=topic, text=text)
    staff.touch(case)
    return note


def record_call(*, case_id: int, outcome: CallOutcome | str, text: str | None,
                version: int | None, actor: Actor,
                response: dict[str, Any] | None = None) -> CaseNote:
    """A phone call and its outcome. Answered on the phone: ``response`` is her answer as
    staff filled it in, stored through ``answers.save`` (channel phone, answered by the
    staff member); its refusals (``answers.AnswerRefused``) propagate. A wrong number is
    only noted: whether she is lost to follow-up is a move staff make themselves."""
    try:
        outcome = CallOutcome(outcome)
    except ValueError:
        raise Invalid("outcome", "unknown-outcome") from None
    by_phone = outcome is CallOutcome.ANSWERED_BY_PHONE
    if by_phone and not response:
        raise Invalid("response", "required")
    if not by_phone and response:
        raise Invalid("response", "only-answered-by-phone")
    text = _text(text)
    case = _locked(case_id, version, actor)
    if by_phone:
        answers.save(case_id=case.id, response=response, final=True,
                     channel=AnswerChannel.PHONE, actor=actor)
    note = _note(case, actor, kind=NoteKind.CALL, topic=None, text=text, outcome=outcome)
    staff.touch(case)
    return note


def _note(case: FollowUp, actor: Actor, *, kind: NoteKind, topic: str | None, text: str,
          outcome: CallOutcome | None = None) -> CaseNote:
    note = CaseNote(follow_up_id=case.id, kind=kind, topic=topic, outcome=outcome, text=text,
                    written_by=actor.ref)
    db.session.add(note)
    db.session.flush()
    audit.record(actor=actor, action="create", resource_type=NOTE_RESOURCE,
                 resource_id=note.id, subject_person_id=case.person_id,
                 purpose=states.PURPOSE)
    return note


def photo(*, case_id: int, photo_id: int, actor: Actor):
    """One photo of the case, with its bytes; audited (``photos.photo_of``)."""
    case = staff.case_for(case_id, actor=actor)
    try:
        return photos.photo_of(photo_id=photo_id, actor=actor, case_id=case.id)
    except photos.PhotoNotFound:
        raise staff.NotFound("no such photo of this case") from None
