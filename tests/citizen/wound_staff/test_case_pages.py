"""The case page and what is done on it: moves, notes, calls (the answer taken on the
phone), the photos; a stale version, a refused move and bad input, each shown with what
was entered; another hospital's case, the role."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.people.models import Role
from services.wound import answers, photos
from services.wound.models import (
    Answer,
    AnswerChannel,
    AnswerStatus,
    CallOutcome,
    CaseNote,
    CaseState,
    FollowUp,
    NoteKind,
)
from tests.citizen.pages import csrf, sign_in_citizen, sign_in_staff, text
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.wound.answering import SIGNS, response
from tests.services.wound.factories import make_case
from tests.services.wound.images import png

pytestmark = pytest.mark.usefixtures("weeks_later")


@pytest.fixture
def her(db):
    return make_person(given_name="Kari", family_name="Sårstad")


@pytest.fixture
def case(hospital, her):
    """Her answer (pus, a lot) with a photo, triaged."""
    case = make_case(her, hospital, state=CaseState.INVITED)
    photos.add_photo(case_id=case.id, data=png(), actor=Actor.person(her.id),
                     limits=photos.PhotoLimits())
    answers.save(case_id=case.id, response=response(signs={"pus": "a-lot"}), final=True,
                 channel=AnswerChannel.WEB, actor=Actor.person(her.id))
    case.state = CaseState.TRIAGED
    db.session.commit()
    return case


@pytest.fixture
def invited(hospital, her):
    return make_case(her, hospital, state=CaseState.INVITED,
                     invited_at=datetime(2026, 4, 1, 8, 0, tzinfo=UTC))


def url(case, rest: str = "") -> str:
    return f"/staff/ssi/cases/{case.id}{rest}"


def post(client, case, rest: str, **fields):
    page = text(client.get(url(case)))
    current = db.session.get(FollowUp, case.id).version_id
    return client.post(url(case, rest), data={"csrf_token": csrf(page),
                                              "version": str(current)} | fields)


def _notes(case) -> list[CaseNote]:
    return list(db.session.scalars(sa.select(CaseNote).where(
        CaseNote.follow_up_id == case.id).order_by(CaseNote.id)))


def test_the_page_shows_the_case(nurse_client, case):
    answer = nurse_client.get(url(case))
    page = text(answer)
    assert answer.status_code == 200
    assert "<h1>Kari Sårstad</h1>" in page
    assert "Keisersnitt" in page and "Dag 49" in page and "Triagert" in page
    assert "Tykk, gul eller grønn væske (puss) fra såret" in page  # a red flag, in words
    assert "<h3>Behandling</h3>" in page and "Ja, mye" in page  # her answer, in words
    photo_id = db.session.scalar(sa.select(photos.Photo.id))
    assert f'href="/staff/ssi/cases/{case.id}/photos/{photo_id}"' in page
    assert f'name="version" value="{case.version_id}"' in page
    assert 'name="to" value="under_review"' in page  # the move allowed from triaged
    assert 'value="culture-requested"' in page and 'value="wrong_number"' in page
    assert 'value="answered_by_phone"' not in page  # she has answered already
    assert f'href="/staff/ssi/cases/{case.id}/classification"' in page
    reads = db.session.scalars(sa.select(AuditEvent.resource_type).where(
        AuditEvent.action == "read")).all()
    assert "WoundFollowUp" in reads and "Media" in reads


def test_a_move_with_a_note(nurse_client, case):
    answer = post(nurse_client, case, "/moves", to="under_review", note="Ser på bildet")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(url(case))
    assert db.session.get(FollowUp, case.id).state is CaseState.UNDER_REVIEW
    [note] = _notes(case)
    assert (note.topic, note.text) == ("state:under_review", "Ser på bildet")
    page = text(nurse_client.get(url(case)))
    assert "Saken er flyttet." in page and "Flyttet til Til vurdering" in page
    assert "Ser på bildet" in page


def test_a_stale_version_is_409_and_keeps_the_note(nurse_client, case):
    page = text(nurse_client.get(url(case)))
    answer = nurse_client.post(url(case, "/moves"), data={
        "csrf_token": csrf(page), "version": str(case.version_id - 1), "to": "under_review",
        "note": "Min tekst som ikke må forsvinne"})
    assert answer.status_code == 409
    assert "Noen andre har endret saken" in text(answer)
    assert "Min tekst som ikke må forsvinne</textarea>" in text(answer)
    assert db.session.get(FollowUp, case.id).state is CaseState.TRIAGED


def test_a_stale_note_is_409_and_keeps_what_was_entered(nurse_client, case):
    page = text(nurse_client.get(url(case)))
    answer = nurse_client.post(url(case, "/notes"), data={
        "csrf_token": csrf(page), "version": "0", "topic": "gp-contacted",
        "text": "Fastlegen ringer tilbake"})
    assert answer.status_code == 409
    assert "Fastlegen ringer tilbake</textarea>" in text(answer)
    assert 'value="gp-contacted" selected' in text(answer)
    assert _notes(case) == []


def test_a_move_the_machine_refuses_is_409(nurse_client, case):
    answer = post(nurse_client, case, "/moves", to="closed")
    assert answer.status_code == 409
    assert "Saken kan ikke flyttes slik" in text(answer)


@pytest.mark.parametrize("rest, fields, field", [
    ("/moves", {"to": "asleep"}, "move-to"),
    ("/moves", {"to": "under_review", "note": "x" * 2001}, "move-note"),
    ("/notes", {"topic": "other", "text": ""}, "note-text"),
    ("/notes", {"topic": "gossip", "text": "Hei"}, "note-topic"),
    ("/calls", {"outcome": "shouted"}, "call-outcome"),
])
def test_bad_input_is_422_at_its_field(nurse_client, case, rest, fields, field):
    answer = post(nurse_client, case, rest, **fields)
    assert answer.status_code == 422
    assert f'href="#{field}"' in text(answer)
    assert _notes(case) == []


def test_a_note_is_saved_audited_and_listed_newest_first(nurse_client, case):
    assert post(nurse_client, case, "/notes", topic="records-requested",
                text="Bedt om journal").status_code == 303
    assert post(nurse_client, case, "/notes", topic="other", text="Andre").status_code == 303
    page = text(nurse_client.get(url(case)))
    assert page.index("Andre") < page.index("Bedt om journal")
    assert "Journal bedt om" in page and "Sykepleier Test" in page  # topic and writer
    created = db.session.scalars(sa.select(AuditEvent.resource_type).where(
        AuditEvent.action == "create", AuditEvent.resource_type == "WoundCaseNote")).all()
    assert len(created) == 2


def test_a_call_is_noted(nurse_client, invited):
    answer = post(nurse_client, invited, "/calls", outcome="no_answer", text="Prøver i morgen")
    assert answer.status_code == 303
    [call] = _notes(invited)
    assert (call.kind, call.outcome, call.text) == (NoteKind.CALL, CallOutcome.NO_ANSWER,
                                                    "Prøver i morgen")
    assert "Samtale: Ingen svarte" in text(nurse_client.get(url(invited)))


def test_answered_by_phone_leads_to_the_phone_answer(nurse_client, invited):
    answer = post(nurse_client, invited, "/calls", outcome="answered_by_phone", text="Ringte")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(url(invited, "/phone-answer?text=Ringte"))
    assert _notes(invited) == []


def _her_answer(**changes) -> dict[str, str]:
    fields = {f"q-{sign}": "none" for sign in SIGNS}
    fields |= {"q-opened": "no", "q-fever": "no", "q-sought-advice": "no"}
    return fields | changes


def test_the_phone_answer_page_has_every_question(nurse_client, invited):
    page = text(nurse_client.get(url(invited, "/phone-answer?text=Ringte")))
    for link in ("redness", "pus", "opened", "opened-deep", "onset", "sought-advice",
                 "reoperated"):
        assert f'name="q-{link}"' in page
    assert "Ringte</textarea>" in page


def test_the_answer_on_the_phone_is_stored_as_hers_by_the_nurse(nurse_client, invited,
                                                                nurse_member):
    answer = post(nurse_client, invited, "/phone-answer", text="Svarte på alt",
                  **_her_answer(**{"q-pus": "a-lot", "q-onset": "10.4.2026",
                                   # not asked when she did not seek advice: left out
                                   "q-antibiotics": "yes"}))
    assert answer.status_code == 303 and answer.headers["Location"].endswith(url(invited))
    stored = db.session.scalar(sa.select(Answer).where(Answer.follow_up_id == invited.id))
    assert stored.status is AnswerStatus.FINAL and stored.channel is AnswerChannel.PHONE
    assert stored.answered_by == f"staff:{nurse_member.id}"
    assert "antibiotics" not in str(stored.response)
    case = db.session.get(FollowUp, invited.id)
    assert case.state is CaseState.ANSWERED and case.flagged
    [call] = _notes(invited)
    assert (call.outcome, call.text) == (CallOutcome.ANSWERED_BY_PHONE, "Svarte på alt")


def test_a_phone_answer_missing_a_required_question_is_422_and_kept(nurse_client, invited):
    fields = _her_answer(**{"q-opened": "yes", "q-redness": "a-little"})
    answer = post(nurse_client, invited, "/phone-answer", **fields)
    assert answer.status_code == 422
    page = text(answer)
    assert 'href="#q-opened-deep"' in page
    assert 'value="a-little" checked' in page  # what was entered is kept
    assert answers.answer_of(invited.id) is None


def test_a_stale_phone_answer_is_409_and_kept(nurse_client, invited):
    page = text(nurse_client.get(url(invited, "/phone-answer")))
    answer = nurse_client.post(url(invited, "/phone-answer"), data={
        "csrf_token": csrf(page), "version": "0", "text": "Mitt notat",
        **_her_answer(**{"q-pain": "quite-a-bit"})})
    assert answer.status_code == 409
    assert "Mitt notat</textarea>" in text(answer)
    assert 'value="quite-a-bit" checked' in text(answer)
    assert answers.answer_of(invited.id) is None


def test_an_answered_case_takes_no_phone_answer(nurse_client, case):
    assert "name=\"q-pus\"" not in text(nurse_client.get(url(case, "/phone-answer")))
    answer = post(nurse_client, case, "/phone-answer", **_her_answer())
    assert answer.status_code == 409


def test_the_photo_is_served_and_audited(nurse_client, case):
    photo_id = db.session.scalar(sa.select(photos.Photo.id))
    answer = nurse_client.get(url(case, f"/photos/{photo_id}"))
    assert answer.status_code == 200
    assert answer.content_type == "image/png"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.data.startswith(b"\x89PNG")
    read = db.session.scalars(sa.select(AuditEvent.resource_id).where(
        AuditEvent.resource_type == "Media", AuditEvent.action == "read")).all()
    assert str(photo_id) in read


def test_a_photo_of_another_case_is_404(nurse_client, case, invited):
    photo_id = db.session.scalar(sa.select(photos.Photo.id))
    assert nurse_client.get(url(invited, f"/photos/{photo_id}")).status_code == 404
    assert nurse_client.get(url(case, "/photos/999999")).status_code == 404


def test_another_hospitals_case_is_404(nurse_client, case):
    elsewhere = make_organisation(name="Helse Nord", org_number="974749025")
    theirs = make_case(make_person(), elsewhere, state=CaseState.TRIAGED)
    photo_id = db.session.scalar(sa.select(photos.Photo.id))
    assert nurse_client.get(url(theirs)).status_code == 404
    assert nurse_client.get(url(theirs, "/phone-answer")).status_code == 404
    assert nurse_client.get(url(theirs, f"/photos/{photo_id}")).status_code == 404
    page = text(nurse_client.get(url(case)))
    for rest in ("/moves", "/notes", "/calls", "/phone-answer"):
        answer = nurse_client.post(url(theirs, rest), data={
            "csrf_token": csrf(page), "version": str(theirs.version_id), "to": "under_review",
            "topic": "other", "text": "x", "outcome": "reached"})
        assert answer.status_code == 404, rest
    assert db.session.get(FollowUp, theirs.id).state is CaseState.TRIAGED


def test_without_the_role_403(client, hospital, case):
    sign_in_staff(client, make_staff(hospital, Role.ULTRASOUND_CLINIC), hospital)
    assert client.get(url(case)).status_code == 403
    assert client.get(url(case, "/phone-answer")).status_code == 403


def test_a_citizen_is_sent_to_the_staff_login(client, case, her):
    sign_in_citizen(client, her)
    answer = client.get(url(case))
    assert answer.status_code == 302 and "/staff" in answer.headers["Location"]
