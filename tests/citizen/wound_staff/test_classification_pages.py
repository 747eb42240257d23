"""The classification page: the proposal and the form in nb, saving, "propose" without
saving, and each refusal shown with what was entered."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.people.models import Role
from services.wound import answers
from services.wound.models import AnswerChannel, CaseState, Classification, FollowUp
from tests.citizen.pages import csrf, sign_in_citizen, sign_in_staff, text
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.wound.answering import response
from tests.services.wound.factories import make_case

pytestmark = pytest.mark.usefixtures("weeks_later")


@pytest.fixture
def case(hospital):
    person = make_person()
    case = make_case(person, hospital, state=CaseState.INVITED)
    answers.save(case_id=case.id, response=response(signs={"pus": "a-lot"}), final=True,
                 channel=AnswerChannel.WEB, actor=Actor.person(person.id))
    case.state = CaseState.TRIAGED
    db.session.commit()
    return case


def url(case) -> str:
    return f"/staff/ssi/cases/{case.id}/classification"


def form(page: str, case, **kw) -> dict:
    return {"csrf_token": csrf(page), "version": str(case.version_id), "level": "deep",
            "onset_on": "20.03.2026", "detected": "after_discharge",
            "purulent_from": ["deep"], "culture": "not_done", "action": "save"} | kw


def test_the_page_shows_the_proposal_and_her_answers(nurse_client, case):
    answer = nurse_client.get(url(case))
    page = text(answer)
    assert answer.status_code == 200
    assert "<legend>" in page and 'name="version"' in page
    assert "Keisersnitt" in page
    assert "Hun oppga puss" in page  # the note from her answer
    reads = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.resource_type == "WoundClassification")).all()
    assert reads == ["read"]


def test_saving_classifies_the_case(nurse_client, case):
    page = text(nurse_client.get(url(case)))
    answer = nurse_client.post(url(case), data=form(page, case))
    assert answer.status_code == 303
    stored = db.session.scalar(sa.select(Classification))
    assert (stored.level, stored.criterion) == ("deep", "deep-purulent")
    assert db.session.get(FollowUp, case.id).state is CaseState.CLASSIFIED
    again = text(nurse_client.get(url(case)))
    assert 'value="20.03.2026"' in again


def test_propose_recomputes_without_saving(nurse_client, case):
    page = text(nurse_client.get(url(case)))
    answer = nurse_client.post(url(case), data=form(page, case, action="propose",
                                                purulent_from=["organ_space"]))
    assert answer.status_code == 200
    assert "Puss fra et dren lagt inn i organet/hulrommet" in text(answer) or \
        "organ-space-purulent-drain" in text(answer)
    assert db.session.scalar(sa.select(sa.func.count(Classification.id))) == 0


def test_a_stale_version_is_409_and_keeps_what_was_entered(nurse_client, case):
    page = text(nurse_client.get(url(case)))
    answer = nurse_client.post(url(case), data=form(page, case, version="99",
                                                microorganism="E. coli"))
    assert answer.status_code == 409
    assert 'value="E. coli"' in text(answer)
    assert f'name="version" value="{case.version_id}"' in text(answer)
    assert db.session.scalar(sa.select(sa.func.count(Classification.id))) == 0


def test_a_contradiction_is_422_at_its_field(nurse_client, case):
    page = text(nurse_client.get(url(case)))
    answer = nurse_client.post(url(case), data=form(page, case, level="organ_space",
                                                organ_site="IAB"))
    assert answer.status_code == 422
    assert 'id="level-error"' in text(answer)


def test_an_override_without_reason_is_422(nurse_client, case):
    page = text(nurse_client.get(url(case)))
    answer = nurse_client.post(url(case), data=form(page, case, level="superficial",
                                                purulent_from=["deep", "superficial"]))
    assert answer.status_code == 422
    assert 'id="override_reason-error"' in text(answer)


@pytest.mark.parametrize("changes, field", [
    ({"onset_on": "32.13.2026"}, "onset_on"),
    ({"level": "worst"}, "level"),
    ({"culture": "positive"}, "culture_from"),
    ({"opened": "deliberate"}, "opened_layer"),
    ({"purulent_from": ["skin"]}, "purulent_from"),
])
def test_bad_input_is_a_form_error(nurse_client, case, changes, field):
    page = text(nurse_client.get(url(case)))
    answer = nurse_client.post(url(case), data=form(page, case, **changes))
    assert answer.status_code == 422
    assert f'id="{field}-error"' in text(answer)


def test_a_case_not_ready_is_409(nurse_client, hospital):
    invited = make_case(make_person(), hospital, state=CaseState.INVITED)
    page = text(nurse_client.get(url(invited)))
    assert 'name="level"' not in page
    answer = nurse_client.post(url(invited), data=form(page, invited))
    assert answer.status_code == 409


def test_another_hospitals_case_is_404(nurse_client):
    elsewhere = make_organisation(name="Helse Nord", org_number="974749025")
    theirs = make_case(make_person(), elsewhere, state=CaseState.TRIAGED)
    assert nurse_client.get(url(theirs)).status_code == 404


def test_without_the_role_403(client, hospital, case):
    sign_in_staff(client, make_staff(hospital, Role.ULTRASOUND_CLINIC), hospital)
    assert client.get(url(case)).status_code == 403


def test_a_citizen_is_sent_to_the_staff_login(client, case):
    sign_in_citizen(client, make_person())
    answer = client.get(url(case))
    assert answer.status_code == 302 and "/staff" in answer.headers["Location"]
