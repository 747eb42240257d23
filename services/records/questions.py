""""Ask why": her question about one entry of her access log, to the records officers of
the organisation the entry names, their answer, and her receipt of seeing it.

- Who asks: she, or someone acting for her in records (a parent of a child under 12, a
  fullmakt holder with records); the caller finds the representation and this module
  checks it again. An entry that is not in her log (another citizen's, her own action, or
  none) is :class:`NotFound`, as if it did not exist.
- Where it goes: only an entry naming an organisation can be asked about (staff, or a
  hospital's own system): to that organisation's records officers (``Role.RECORDS_OFFICER``)
  and those of the organisations above it. One open question per entry at a time.
- The answer: a records officer of that organisation answers once; the citizen who asked is
  told with ``records.question-answered`` (content-neutral) and sees the answer beside the
  entry. ``answer_seen_at`` is set when she (or whoever acts for her) first sees it.

Every read of the questions and every change is audited with the citizen as the subject, so
the officer's look at her question is itself in her access log.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from services import audit
from services.actors import Actor, ActorKind
from services.audit.models import AuditEvent
from services.clock import today_in_norway, utcnow
from services.db import db
from services.notify.service import notify
from services.people.models import Area, Person, Role, RoleAssignment
from services.people.representation import may_act_for
from services.people.service import with_units
from services.people.staff_access import record_staff_read
from services.records import access_log
from services.records.events import QUESTION_ANSWERED
from services.records.models import AccessQuestion, QuestionStatus

RESOURCE_TYPE = "AccessQuestion"
#: The purpose of a records officer's reads and answers (shown to her in the log).
OFFICER_PURPOSE = "access-log-question"
MAX_QUESTION = 1000
MAX_ANSWER = 4000
#: The most questions a list shows.
LIMIT = 500


class QuestionError(ValueError):
    """The request breaks a rule; ``code`` says which (for the page's and API's message)."""

    code = "invalid"

    def __init__(self, code: str | None = None) -> None:
        super().__init__(code or self.code)
        if code:
            self.code = code


class NotFound(QuestionError, LookupError):
    """Not in her log / not this officer's organisation's, or not there at all."""

    code = "not_found"


class NotAskable(QuestionError):
    """The entry names no organisation to ask (a representative, helsenorge)."""

    code = "no_organisation"


class AlreadyAsked(QuestionError):
    """A question about this entry is still waiting for its answer."""

    code = "already_open"


class AlreadyAnswered(QuestionError):
    code = "already_answered"


class InvalidText(QuestionError):
    """Too long, empty where required, or characters no text can hold (``code`` says)."""


@dataclass(frozen=True)
class OfficerQuestion:
    """A question as the records officer sees it: whose, and the entry it is about."""

    question: AccessQuestion
    person: Person
    entry: access_log.Entry


# --- the citizen ----------------------------------------------------------------------

def ask(*, subject_id: int, event_id: int, question: str, actor: Actor) -> AccessQuestion:
    """Ask the entry's organisation why it is in her log; the new question."""
    asker = _asker(subject_id, actor)
    text = clean_text(question, limit=MAX_QUESTION, required=False)
    entry = access_log.entry_of(subject_id=subject_id, event_id=event_id)
    if entry is None:
        raise NotFound()
    if not entry.may_ask:
        raise NotAskable()
    if entry.open_question is not None:
        raise AlreadyAsked()
    asked = AccessQuestion(person_id=subject_id, audit_event_id=event_id,
                           organisation_id=entry.organisation.id, question=text,
                           asked_by_person_id=asker)
    db.session.add(asked)
    db.session.flush()
    audit.append(actor=actor, action="create", resource_type=RESOURCE_TYPE,
                 resource_id=asked.id, subject_person_id=subject_id,
                 purpose=access_log.SELF_SERVICE)
    return asked


def questions_of(*, subject_id: int, actor: Actor, limit: int = 20) -> list[AccessQuestion]:
    """Her questions, newest first; answers shown now are marked seen (audited as a read)."""
    _asker(subject_id, actor)
    found = list(db.session.scalars(
        sa.select(AccessQuestion).where(AccessQuestion.person_id == subject_id)
        .options(joinedload(AccessQuestion.organisation))
        .order_by(AccessQuestion.asked_at.desc(), AccessQuestion.id.desc()).limit(limit)))
    if found:
        audit.append(actor=actor, action="search", resource_type=RESOURCE_TYPE,
                     subject_person_id=subject_id, purpose=access_log.SELF_SERVICE)
        mark_seen(found)
    return found


def mark_seen(questions: list[AccessQuestion]) -> None:
    """Her receipt of seeing the answers among ``questions`` (the first time only)."""
    now = utcnow()
    for question in questions:
        if question.answered_at is not None and question.answer_seen_at is None:
            question.answer_seen_at = now
    db.session.flush()


def unseen_answers(*, person_id: int) -> int:
    """How many answers to her questions she has not seen yet (the home tile's count)."""
    return db.session.scalar(sa.select(sa.func.count()).where(
        AccessQuestion.person_id == person_id, AccessQuestion.status == QuestionStatus.ANSWERED,
        AccessQuestion.answer_seen_at.is_(None))) or 0


def _asker(subject_id: int, actor: Actor) -> int:
    """The citizen asking: she, or someone acting for her in records today."""
    if actor.kind is not ActorKind.PERSON:
        raise NotFound()
    asker = int(actor.id)
    if asker != subject_id:
        person = db.session.get(Person, asker)
        if person is None or may_act_for(actor=person, subject_id=subject_id, area=Area.RECORDS,
                                         today=today_in_norway()) is None:
            raise NotFound()
    return asker


# --- the records officer --------------------------------------------------------------

def open_questions(*, actor: Actor) -> list[OfficerQuestion]:
    """Open questions to the officer's organisation (and its units), oldest first; each
    shown is audited as a read of that citizen's question."""
    return _listed(actor, sa.select(AccessQuestion).where(
        AccessQuestion.status == QuestionStatus.OPEN)
        .order_by(AccessQuestion.asked_at, AccessQuestion.id))


def answered_questions(*, actor: Actor, limit: int = 20) -> list[OfficerQuestion]:
    """The organisation's latest answered questions, newest first (audited as reads)."""
    return _listed(actor, sa.select(AccessQuestion).where(
        AccessQuestion.status == QuestionStatus.ANSWERED)
        .order_by(AccessQuestion.answered_at.desc(), AccessQuestion.id.desc()), limit=limit)


def question_for_officer(*, question_id: int, actor: Actor) -> OfficerQuestion:
    """One question of the officer's organisation; :class:`NotFound` for any other."""
    found = _listed(actor, sa.select(AccessQuestion).where(AccessQuestion.id == question_id))
    if not found:
        raise NotFound()
    return found[0]


def answer(*, question_id: int, answer: str, actor: Actor) -> AccessQuestion:
    """Answer the question; the citizen who asked is told that there is an answer."""
    organisations = officer_organisations(actor)
    question = db.session.get(AccessQuestion, question_id, with_for_update=True)
    if question is None or question.organisation_id not in organisations:
        raise NotFound()
    text = clean_text(answer, limit=MAX_ANSWER, required=True)
    if question.status is QuestionStatus.ANSWERED:
        raise AlreadyAnswered()
    question.answer, question.status = text, QuestionStatus.ANSWERED
    question.answered_at, question.answered_by_staff_id = utcnow(), int(actor.id)
    db.session.flush()
    audit.append(actor=actor, action="update", resource_type=RESOURCE_TYPE,
                 resource_id=question.id, subject_person_id=question.person_id,
                 purpose=OFFICER_PURPOSE)
    notify(person_id=question.asked_by_person_id, event=QUESTION_ANSWERED.name, context={},
           actor=actor, key=f"access-question:{question.id}:answered",
           organisation_id=question.organisation_id)
    return question


def officer_organisations(actor: Actor) -> set[int]:
    """The organisations whose questions ``actor`` answers: where they work now (and its
    units), if they are a records officer there."""
    if actor.kind is not ActorKind.STAFF or actor.organisation_id is None:
        raise NotFound()
    is_officer = db.session.scalar(sa.select(sa.exists().where(
        RoleAssignment.staff_id == int(actor.id),
        RoleAssignment.organisation_id == actor.organisation_id,
        RoleAssignment.role == Role.RECORDS_OFFICER)))
    if not is_officer:
        raise NotFound()
    return with_units({actor.organisation_id})


def _listed(actor: Actor, query: sa.Select, *, limit: int = LIMIT) -> list[OfficerQuestion]:
    questions = list(db.session.scalars(
        query.where(AccessQuestion.organisation_id.in_(officer_organisations(actor)))
        .limit(limit)))
    if not questions:
        return []
    events = {e.id: e for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.id.in_([q.audit_event_id for q in questions])))}
    people = {p.id: p for p in db.session.scalars(
        sa.select(Person).where(Person.id.in_({q.person_id for q in questions})))}
    names = access_log.Names.of(events.values())
    rows = []
    for question in questions:
        record_staff_read(actor=actor, subject_person_id=question.person_id,
                          resource_type=RESOURCE_TYPE, resource_id=question.id,
                          purpose=OFFICER_PURPOSE, on_worklist=True)
        rows.append(OfficerQuestion(question=question, person=people[question.person_id],
                                    entry=names.entry(events[question.audit_event_id])))
    return rows


def clean_text(text: str, *, limit: int, required: bool) -> str:
    """``text`` trimmed, with its line breaks as ``\\n``; :class:`InvalidText` when empty and
    required, longer than ``limit``, or holding control characters (a NUL cannot be stored)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t" for c in text):
        raise InvalidText("bad_characters")
    if required and not text:
        raise InvalidText("required")
    if len(text) > limit:
        raise InvalidText("too_long")
    return text
