""""Ask why" (services/records/questions.py): who may ask about which entry, where the
question goes, the answer and its notice, the receipt of seeing it; refused negatively for
another citizen, another organisation's officer, staff without the role, a parent of a
12–15-year-old and an expired fullmakt."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.notify.models import Notification
from services.people.models import Fullmakt, Role
from services.people.service import add_organisation, record_guardianship
from services.records import questions
from services.records.models import AccessQuestion, QuestionStatus
from tests.plugins.factories import make_organisation, make_person, make_staff

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def unit(hospital):
    organisation = add_organisation(name="Kvinneklinikken", org_number="974749025",
                                    parent=hospital)
    db.session.commit()
    return organisation


@pytest.fixture
def other_hospital(hospital):
    return make_organisation(name="Helse Bergen HF", org_number="983974910")


@pytest.fixture
def her(hospital):
    person = make_person(date(1980, 5, 5), given_name="Kari")
    person.mobile = "+4791234567"
    db.session.commit()
    return person


@pytest.fixture
def officer(hospital):
    return make_staff(hospital, Role.RECORDS_OFFICER, name="Arkivar Anne")


def _as(staff, organisation) -> Actor:
    return Actor.staff(staff.id, organisation_id=organisation.id)


def _read(subject, actor: Actor) -> AuditEvent:
    event = audit.record(actor=actor, action="read", resource_type="DocumentReference",
                         resource_id=1, subject_person_id=subject.id, purpose="treatment")
    db.session.commit()
    return event


def _staff_read(subject, organisation):
    doctor = make_staff(organisation, Role.ULTRASOUND_CLINIC, name="Lege Lise")
    return _read(subject, _as(doctor, organisation))


def test_she_asks_the_officers_of_the_entrys_organisation_who_answer(her, unit, officer,
                                                                      hospital):
    event = _staff_read(her, unit)
    asked = questions.ask(subject_id=her.id, event_id=event.id, question="  Hvorfor?  ",
                          actor=Actor.person(her.id))
    db.session.commit()
    assert (asked.organisation_id, asked.question, asked.status, asked.asked_by_person_id) == (
        unit.id, "Hvorfor?", QuestionStatus.OPEN, her.id)
    # The trust's officer sees the unit's question (units are the trust's work).
    [shown] = questions.open_questions(actor=_as(officer, hospital))
    assert (shown.question.id, shown.person.id, shown.entry.name) == (asked.id, her.id,
                                                                      "Lege Lise")
    answered = questions.answer(question_id=asked.id, answer="Hun var på tilsyn.",
                                actor=_as(officer, hospital))
    db.session.commit()
    assert (answered.status, answered.answer, answered.answered_by_staff_id) == (
        QuestionStatus.ANSWERED, "Hun var på tilsyn.", officer.id)
    assert questions.open_questions(actor=_as(officer, hospital)) == []
    [notice] = db.session.scalars(sa.select(Notification)).all()
    assert (notice.person_id, notice.event) == (her.id, "records.question-answered")
    assert questions.unseen_answers(person_id=her.id) == 1
    [mine] = questions.questions_of(subject_id=her.id, actor=Actor.person(her.id))
    assert mine.answer_seen_at is not None
    assert questions.unseen_answers(person_id=her.id) == 0
    kinds = [(e.actor_kind, e.action, e.resource_type) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_person_id == her.id,
                                    AuditEvent.resource_type == "AccessQuestion")
        .order_by(AuditEvent.id))]
    assert kinds == [("person", "create", "AccessQuestion"), ("staff", "read", "AccessQuestion"),
                     ("staff", "update", "AccessQuestion"), ("person", "search",
                                                             "AccessQuestion")]


def test_one_open_question_per_entry_and_a_new_one_after_the_answer(her, hospital, officer):
    event = _staff_read(her, hospital)
    first = questions.ask(subject_id=her.id, event_id=event.id, question="",
                          actor=Actor.person(her.id))
    with pytest.raises(questions.AlreadyAsked):
        questions.ask(subject_id=her.id, event_id=event.id, question="Igjen",
                      actor=Actor.person(her.id))
    questions.answer(question_id=first.id, answer="Svar", actor=_as(officer, hospital))
    with pytest.raises(questions.AlreadyAnswered):
        questions.answer(question_id=first.id, answer="Igjen", actor=_as(officer, hospital))
    again = questions.ask(subject_id=her.id, event_id=event.id, question="Hvem var det?",
                          actor=Actor.person(her.id))
    assert again.id != first.id


def test_only_entries_naming_an_organisation_can_be_asked_about(her):
    helsenorge = _read(her, Actor.system("helsenorge"))
    with pytest.raises(questions.NotAskable):
        questions.ask(subject_id=her.id, event_id=helsenorge.id, question="",
                      actor=Actor.person(her.id))


def test_another_citizens_entry_her_own_and_none_are_not_found(her, hospital):
    stranger = make_person(given_name="Fremmed")
    theirs = _staff_read(stranger, hospital)
    own = _read(her, Actor.person(her.id))
    for event_id in (theirs.id, own.id, 10**9):
        with pytest.raises(questions.NotFound):
            questions.ask(subject_id=her.id, event_id=event_id, question="",
                          actor=Actor.person(her.id))
    # Nor may the stranger ask about hers, by naming her as the subject.
    mine = _staff_read(her, hospital)
    with pytest.raises(questions.NotFound):
        questions.ask(subject_id=her.id, event_id=mine.id, question="",
                      actor=Actor.person(stranger.id))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessQuestion)) == 0


def test_representatives_with_records_may_ask_others_may_not(frozen_clock, her, hospital):
    today = date(2026, 3, 2)
    small = make_person(date(2018, 3, 3))
    teen = make_person(date(2012, 3, 2))  # 14 today
    system = Actor.system("hospital-system")
    record_guardianship(guardian=her, child=small, shares_address=True, actor=system)
    record_guardianship(guardian=her, child=teen, shares_address=True, actor=system)
    giver, lapsed = make_person(date(1940, 1, 1)), make_person(date(1941, 1, 1))
    db.session.add_all([
        Fullmakt(giver=giver, recipient=her, areas=["records"], starts_on=today,
                 ends_on=today),
        Fullmakt(giver=lapsed, recipient=her, areas=["records"],
                 starts_on=today - timedelta(days=30), ends_on=today - timedelta(days=1)),
    ])
    db.session.commit()
    parent = Actor.person(her.id)
    asked = questions.ask(subject_id=small.id, event_id=_staff_read(small, hospital).id,
                          question="", actor=parent)
    assert (asked.person_id, asked.asked_by_person_id) == (small.id, her.id)
    assert questions.ask(subject_id=giver.id, event_id=_staff_read(giver, hospital).id,
                         question="", actor=parent).person_id == giver.id
    for subject in (teen, lapsed):
        with pytest.raises(questions.NotFound):
            questions.ask(subject_id=subject.id, event_id=_staff_read(subject, hospital).id,
                          question="", actor=parent)
    # The day after the fullmakt's last day, it is over.
    frozen_clock.move_to(T0 + timedelta(days=1))
    with pytest.raises(questions.NotFound):
        questions.ask(subject_id=giver.id, event_id=_staff_read(giver, hospital).id,
                      question="", actor=parent)


def test_another_organisations_officer_and_staff_without_the_role_see_nothing(
        her, hospital, other_hospital, officer):
    asked = questions.ask(subject_id=her.id, event_id=_staff_read(her, hospital).id,
                          question="", actor=Actor.person(her.id))
    elsewhere = make_staff(other_hospital, Role.RECORDS_OFFICER)
    assert questions.open_questions(actor=_as(elsewhere, other_hospital)) == []
    with pytest.raises(questions.NotFound):
        questions.question_for_officer(question_id=asked.id,
                                       actor=_as(elsewhere, other_hospital))
    with pytest.raises(questions.NotFound):
        questions.answer(question_id=asked.id, answer="Nei",
                         actor=_as(elsewhere, other_hospital))
    clinician = make_staff(hospital, Role.ULTRASOUND_CLINIC, Role.ADMIN)
    for call in (lambda a: questions.open_questions(actor=a),
                 lambda a: questions.answer(question_id=asked.id, answer="Nei", actor=a)):
        with pytest.raises(questions.NotFound):
            call(_as(clinician, hospital))
    # An officer elsewhere is not one here: the role is per organisation.
    with pytest.raises(questions.NotFound):
        questions.open_questions(actor=_as(elsewhere, hospital))
    assert db.session.get(AccessQuestion, asked.id).status is QuestionStatus.OPEN
    assert questions.question_for_officer(question_id=asked.id,
                                          actor=_as(officer, hospital)).question.id == asked.id


@pytest.mark.parametrize(("text", "code"), [
    ("x" * (questions.MAX_QUESTION + 1), "too_long"), ("a\x00b", "bad_characters"),
    ("\ud800", "bad_characters"), ("bell\x07", "bad_characters")])
def test_bad_question_text_is_refused(her, hospital, text, code):
    event = _staff_read(her, hospital)
    with pytest.raises(questions.InvalidText) as refused:
        questions.ask(subject_id=her.id, event_id=event.id, question=text,
                      actor=Actor.person(her.id))
    assert refused.value.code == code


def test_an_answer_is_needed_and_kept_to_its_length(her, hospital, officer):
    asked = questions.ask(subject_id=her.id, event_id=_staff_read(her, hospital).id,
                          question="Linje 1\r\nLinje 2", actor=Actor.person(her.id))
    assert asked.question == "Linje 1\nLinje 2"
    for text, code in (("   ", "required"), ("y" * (questions.MAX_ANSWER + 1), "too_long")):
        with pytest.raises(questions.InvalidText) as refused:
            questions.answer(question_id=asked.id, answer=text, actor=_as(officer, hospital))
        assert refused.value.code == code
