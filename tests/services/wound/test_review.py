"""The case as staff work it: moves by hand, notes, calls, the phone answer, versions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.wound import answers, review, staff, states
from services.wound.models import AnswerChannel, CallOutcome, CaseNote, NoteKind
from services.wound.models import CaseState as S
from services.wound.staff import NotFound, Stale
from tests.plugins.clock import T0
from tests.plugins.factories import make_organisation, make_person
from tests.services.wound.answering import response
from tests.services.wound.factories import make_case

pytestmark = pytest.mark.usefixtures("frozen_clock")


def test_moves_by_hand_are_a_subset_of_the_machine():
    assert all(to in states.ALLOWED[frm] for frm, to in review.BY_HAND)
    assert review.allowed_moves(S.TRIAGED) == [S.UNDER_REVIEW]
    assert review.allowed_moves(S.INVITED) == []


def test_a_move_with_the_version_read_and_the_stale_one(hospital, nurse):
    case = make_case(make_person(), hospital, state=S.ANSWERED)
    version = case.version_id
    review.transition(case_id=case.id, to="triaged", version=version, actor=nurse,
                      note="Sett på")
    assert case.state is S.TRIAGED and case.version_id > version
    with pytest.raises(Stale) as stale:
        review.transition(case_id=case.id, to="under_review", version=version, actor=nurse)
    assert stale.value.current == case.version_id
    assert "the case was changed by someone else; reload it" in str(stale.value)
    with pytest.raises(states.NotAllowed):
        review.transition(case_id=case.id, to="classified", version=case.version_id,
                          actor=nurse)
    with pytest.raises(review.Invalid):
        review.transition(case_id=case.id, to="nonsense", version=case.version_id,
                          actor=nurse)
    [note] = db.session.scalars(sa.select(CaseNote)).all()
    assert note.topic == "state:triaged" and note.text == "Sett på"


def test_notes_move_the_version_and_are_checked(hospital, nurse):
    case = make_case(make_person(), hospital, state=S.UNDER_REVIEW)
    version = case.version_id
    review.add_note(case_id=case.id, topic="gp-contacted", text="", version=version,
                    actor=nurse)
    assert case.version_id > version
    with pytest.raises(review.Invalid) as bad:
        review.add_note(case_id=case.id, topic="other", text=" ", version=case.version_id,
                        actor=nurse)
    assert bad.value.field == "text"
    with pytest.raises(review.Invalid):
        review.add_note(case_id=case.id, topic="other", text="x" * 2001,
                        version=case.version_id, actor=nurse)
    review.add_note(case_id=case.id, topic="other", text="x" * 2000,
                    version=case.version_id, actor=nurse)
    with pytest.raises(review.Invalid):
        review.add_note(case_id=case.id, topic="gossip", text="", version=case.version_id,
                        actor=nurse)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.resource_type == "WoundCaseNote")) == 2


def test_a_call_answered_on_the_phone_is_her_answer_by_staff(hospital, nurse):
    case = make_case(make_person(), hospital, state=S.NON_RESPONDER, invited_at=T0)
    with pytest.raises(review.Invalid):
        review.record_call(case_id=case.id, outcome="answered_by_phone", text="",
                           version=case.version_id, actor=nurse)
    review.record_call(case_id=case.id, outcome="answered_by_phone", text="Ringte",
                       version=case.version_id, actor=nurse,
                       response=response(signs={"pus": "a-lot"}))
    answer = answers.answer_of(case.id)
    assert answer.channel is AnswerChannel.PHONE and answer.answered_by == nurse.ref
    assert case.state is S.ANSWERED and case.flagged
    [call] = db.session.scalars(sa.select(CaseNote)).all()
    assert call.kind is NoteKind.CALL and call.outcome is CallOutcome.ANSWERED_BY_PHONE


def test_a_wrong_number_is_only_noted(hospital, nurse):
    case = make_case(make_person(), hospital, state=S.NON_RESPONDER, invited_at=T0)
    review.record_call(case_id=case.id, outcome="wrong_number", text="",
                       version=case.version_id, actor=nurse)
    assert case.state is S.NON_RESPONDER
    with pytest.raises(review.Invalid):
        review.record_call(case_id=case.id, outcome="no_answer", text="",
                           version=case.version_id, actor=nurse, response=response())


def test_another_hospitals_case_is_not_there(hospital, nurse):
    other = make_organisation(name="Helse Nord", org_number="974749025")
    case = make_case(make_person(), other, state=S.ANSWERED)
    with pytest.raises(NotFound):
        review.case_detail(case_id=case.id, actor=nurse)
    with pytest.raises(NotFound):
        review.transition(case_id=case.id, to="triaged", version=case.version_id, actor=nurse)


def test_the_detail_reads_back_and_is_audited(hospital, nurse):
    case = make_case(make_person(), hospital, state=S.NON_RESPONDER, invited_at=T0)
    review.record_call(case_id=case.id, outcome="answered_by_phone", text="",
                       version=case.version_id, actor=nurse, response=response(fever=True))
    detail = review.case_detail(case_id=case.id, actor=nurse)
    assert detail.allowed == [S.TRIAGED] and detail.version == case.version_id
    assert detail.sections and len(detail.notes) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.resource_type == "WoundFollowUp", AuditEvent.action == "read")) == 1


def test_a_photo_of_another_case_is_not_there_and_not_audited(hospital, nurse):
    from services.wound import photos
    from tests.services.wound.images import png

    her, his = make_person(), make_person(given_name="Ola")
    hers = make_case(her, hospital, state=S.INVITED)
    his_case = make_case(his, hospital, state=S.INVITED)
    photo = photos.add_photo(case_id=hers.id, data=png(), actor=Actor.person(her.id),
                             limits=photos.PhotoLimits())
    reads = sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "read", AuditEvent.resource_type == photos.RESOURCE)

    with pytest.raises(NotFound):
        review.photo(case_id=his_case.id, photo_id=photo.id, actor=nurse)
    assert db.session.scalar(reads) == 0
    assert review.photo(case_id=hers.id, photo_id=photo.id, actor=nurse).id == photo.id
    assert db.session.scalar(reads) == 1


def test_the_writers_are_the_staff_by_name_and_the_system_is_none(hospital, nurse):
    from tests.plugins.factories import make_staff

    eva = make_staff(hospital, name="Eva Hygiene")
    notes = [CaseNote(written_by=ref) for ref in (
        f"staff:{eva.id}", nurse.ref, "system:hospital-ehr", "staff:", "staff:x",
        f"person:{eva.id}", "staff:999999")]
    names = review.writers(notes)
    assert names == {f"staff:{eva.id}": "Eva Hygiene", nurse.ref: names[nurse.ref]}
    assert names[nurse.ref] and names[nurse.ref] != "Eva Hygiene"
    assert review.writers([]) == {}


def test_the_detail_names_who_wrote_each_note(hospital, nurse):
    case = make_case(make_person(), hospital, state=S.ANSWERED)
    review.add_note(case_id=case.id, topic="other", text="Ringt fastlegen",
                    version=case.version_id, actor=nurse)
    detail = review.case_detail(case_id=case.id, actor=nurse)
    [note] = detail.notes
    assert detail.writers == review.writers([note]) and note.written_by in detail.writers


def test_reading_a_case_audits_whose_case_it_is(hospital, nurse):
    case = make_case(make_person(), hospital, state=S.ANSWERED)
    review.case_detail(case_id=case.id, actor=nurse)
    [read] = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "read", AuditEvent.resource_type == "WoundFollowUp"))
    assert (read.subject_person_id, read.resource_id) == (case.person_id, str(case.id))


@pytest.mark.parametrize("actor", [Actor.staff(1, organisation_id=None), Actor.person(1),
                                   Actor.system("hospital-ehr")])
def test_surveillance_work_is_for_staff_in_an_organisation(db, actor):
    with pytest.raises(PermissionError, match="surveillance work is for staff in an org"):
        staff.organisations_of(actor)
