"""The access-log pages: her entries with names and purposes, the period filter without
JavaScript, "ask why" per entry and the answer beside it; in nb by default; a parent of a
12–15-year-old is refused, another citizen's entry is 404, bad input a form error."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import refresh

from services import audit
from services.actors import Actor
from services.db import db
from services.people.models import Role
from services.people.service import record_guardianship
from services.records import questions
from services.records.models import AccessQuestion
from tests.citizen.pages import csrf, sign_in_citizen, text
from tests.plugins.factories import make_organisation, make_person, make_staff

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def her(hospital):
    return make_person(date(1980, 5, 5), given_name="Kari", family_name="Nordmann")


@pytest.fixture
def doctor(hospital):
    return make_staff(hospital, Role.ULTRASOUND_CLINIC, name="Lege Lise")


@pytest.fixture
def browser(client, her):
    sign_in_citizen(client, her)
    return client


def _read(frozen_clock, subject, actor, moment=T0, **fields):
    frozen_clock.move_to(moment)
    event = audit.record(actor=actor, action="read", resource_type="DocumentReference",
                         resource_id=1, subject_person_id=subject.id,
                         purpose=fields.pop("purpose", "treatment"), **fields)
    db.session.commit()
    return event


def test_the_log_names_who_where_what_and_why(browser, frozen_clock, her, hospital, doctor):
    _read(frozen_clock, her, Actor.staff(doctor.id, organisation_id=hospital.id),
          reason="Konferanse om behandlingen")
    page = browser.get("/records/access-log")
    assert page.status_code == 200
    body = text(page)
    assert "Hvem har sett journalen din" in body
    for shown in ("Lege Lise", "Ultralydpoliklinikk", "St. Olavs hospital HF",
                  "Leste et dokument i journalen din", "Behandling",
                  "Konferanse om behandlingen", "Spør hvorfor"):
        assert shown in body, shown
    assert "Kari Nordmann" in body  # the lead names whose log it is
    refresh()  # the test's app context outlives the request; a browser's would not
    english = text(browser.get("/records/access-log?lang=en"))
    assert "Who has seen your record" in english and "Viewed a document in your record" in english
    refresh()
    nynorsk = text(browser.get("/records/access-log?lang=nn"))
    assert "Kven har sett journalen din" in nynorsk and "Las eit dokument" in nynorsk


def test_the_period_filter_works_by_norwegian_days(browser, frozen_clock, her, hospital,
                                                    doctor):
    actor = Actor.staff(doctor.id, organisation_id=hospital.id)
    first = _read(frozen_clock, her, actor, datetime(2026, 2, 28, 22, 59, tzinfo=UTC),
                  reason="Dagen før")
    second = _read(frozen_clock, her, actor, datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
                   reason="Første mars")
    frozen_clock.move_to(T0)
    body = text(browser.get("/records/access-log?from=1.3.2026&to=01.03.2026"))
    assert f'id="entry-{second.id}"' in body and f'id="entry-{first.id}"' not in body
    body = text(browser.get("/records/access-log?to=2026-02-28"))
    assert f'id="entry-{first.id}"' in body and f'id="entry-{second.id}"' not in body
    whole = browser.get("/records/access-log?from=1.1.0001&to=31.12.9999")
    assert whole.status_code == 200 and f'id="entry-{first.id}"' in text(whole)
    empty = text(browser.get("/records/access-log?from=3.3.2026"))
    assert "ingen som har sett eller endret opplysninger om deg i denne perioden" in empty


@pytest.mark.parametrize("query", ["from=31.2.2026", "from=i går", "to=1.3.2026&from=2.3.2026",
                                   "from=99999-01-01", "to=%00"])
def test_a_bad_period_is_a_form_error(browser, query):
    answer = browser.get(f"/records/access-log?{query}")
    assert answer.status_code == 422
    assert 'aria-invalid="true"' in text(answer) and "Rett opp dette" in text(answer)


def test_a_page_holds_25_entries_unless_she_asks_for_more(browser, frozen_clock, her,
                                                            hospital, doctor):
    actor = Actor.staff(doctor.id, organisation_id=hospital.id)
    made = [_read(frozen_clock, her, actor, T0 - timedelta(minutes=i)) for i in range(26)]
    frozen_clock.move_to(T0)
    page = text(browser.get("/records/access-log"))
    assert page.count('<tr id="entry-') == 25 and f'id="entry-{made[25].id}"' not in page
    assert "Eldre oppføringer" in page


def test_paging_goes_to_older_entries(browser, frozen_clock, her, hospital, doctor):
    actor = Actor.staff(doctor.id, organisation_id=hospital.id)
    made = [_read(frozen_clock, her, actor, T0 - timedelta(minutes=i)) for i in range(3)]
    frozen_clock.move_to(T0)
    first = text(browser.get("/records/access-log?limit=2"))
    assert f'id="entry-{made[0].id}"' in first and f'id="entry-{made[2].id}"' not in first
    older = re.search(r'href="(/records/access-log\?[^"]*cursor=[^"]+)"', first).group(1)
    assert "limit=2" in older  # the page size she chose is kept
    second = text(browser.get(older.replace("&amp;", "&")))
    assert f'id="entry-{made[2].id}"' in second and f'id="entry-{made[0].id}"' not in second
    assert browser.get("/records/access-log?cursor=not-ours").status_code == 400


def test_ask_why_and_see_the_answer_beside_the_entry(browser, frozen_clock, her, hospital,
                                                     doctor):
    event = _read(frozen_clock, her, Actor.staff(doctor.id, organisation_id=hospital.id))
    form = browser.get(f"/records/access-log/{event.id}/question")
    assert form.status_code == 200 and "Lege Lise" in text(form)
    sent = browser.post(f"/records/access-log/{event.id}/question",
                        data={"csrf_token": csrf(text(form)), "question": "Hvem er dette?"})
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"#entry-{event.id}")
    [asked] = db.session.scalars(sa.select(AccessQuestion)).all()
    assert (asked.question, asked.organisation_id) == ("Hvem er dette?", hospital.id)
    waiting = text(browser.get("/records/access-log"))
    assert "Venter på svar." in waiting
    again = browser.post(f"/records/access-log/{event.id}/question",
                         data={"csrf_token": csrf(waiting), "question": ""})
    assert again.status_code == 409
    officer = make_staff(hospital, Role.RECORDS_OFFICER)
    questions.answer(question_id=asked.id, answer="Hun var din lege på vakt.",
                     actor=Actor.staff(officer.id, organisation_id=hospital.id))
    db.session.commit()
    assert questions.unseen_answers(person_id=her.id) == 1
    answered = text(browser.get("/records/access-log"))
    assert answered.count("Hun var din lege på vakt.") == 2  # in her questions, by the entry
    assert questions.unseen_answers(person_id=her.id) == 0


def test_bad_question_text_is_a_form_error_and_keeps_what_she_wrote(browser, frozen_clock,
                                                                      her, hospital, doctor):
    event = _read(frozen_clock, her, Actor.staff(doctor.id, organisation_id=hospital.id))
    token = csrf(text(browser.get(f"/records/access-log/{event.id}/question")))
    long = browser.post(f"/records/access-log/{event.id}/question",
                        data={"csrf_token": token, "question": "Hvorfor? " * 200})
    assert long.status_code == 422 and 'aria-invalid="true"' in text(long)
    assert "Hvorfor? Hvorfor?" in text(long)
    nul = browser.post(f"/records/access-log/{event.id}/question",
                       data={"csrf_token": token, "question": "a\x00b"})
    assert nul.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessQuestion)) == 0


def test_an_entry_naming_no_organisation_cannot_be_asked_about(browser, frozen_clock, her):
    event = _read(frozen_clock, her, Actor.system("helsenorge"), purpose="patient-access")
    page = text(browser.get("/records/access-log"))
    assert f"/records/access-log/{event.id}/question" not in page
    form = browser.get(f"/records/access-log/{event.id}/question")
    assert form.status_code == 200
    assert f'action="/records/access-log/{event.id}/question"' not in text(form)
    refused = browser.post(f"/records/access-log/{event.id}/question",
                           data={"csrf_token": csrf(page), "question": ""})
    assert refused.status_code == 422


def test_another_citizens_entry_is_not_found(browser, frozen_clock, hospital, doctor):
    stranger = make_person(given_name="Fremmed")
    theirs = _read(frozen_clock, stranger, Actor.staff(doctor.id, organisation_id=hospital.id))
    assert browser.get(f"/records/access-log/{theirs.id}/question").status_code == 404
    page = text(browser.get("/records/access-log"))
    assert browser.post(f"/records/access-log/{theirs.id}/question",
                        data={"csrf_token": csrf(page)}).status_code == 404
    assert f'id="entry-{theirs.id}"' not in page
    assert browser.get("/records/access-log/99999999999999/question").status_code == 404


def test_a_parent_of_a_14_year_old_is_told_the_record_is_the_childs(client, frozen_clock, her,
                                                                    hospital, doctor):
    teen = make_person(date(2012, 1, 1), given_name="Tenåring")
    record_guardianship(guardian=her, child=teen, shares_address=True,
                        actor=Actor.system("hospital-system"))
    event = _read(frozen_clock, teen, Actor.staff(doctor.id, organisation_id=hospital.id))
    from tests.plugins.api import session_token_for
    from tests.plugins.login import set_session_cookie

    set_session_cookie(client, session_token_for(her, acting_for=teen))
    refused = client.get("/records/access-log")
    assert refused.status_code == 403 and "Fra barn er 12 år" in text(refused)
    assert client.get(f"/records/access-log/{event.id}/question").status_code == 403


def test_a_parent_of_a_small_child_sees_and_asks_about_the_childs_log(client, frozen_clock,
                                                                       her, hospital, doctor):
    small = make_person(date(2020, 1, 1), given_name="Lille")
    record_guardianship(guardian=her, child=small, shares_address=True,
                        actor=Actor.system("hospital-system"))
    event = _read(frozen_clock, small, Actor.staff(doctor.id, organisation_id=hospital.id))
    from tests.plugins.api import session_token_for
    from tests.plugins.login import set_session_cookie

    set_session_cookie(client, session_token_for(her, acting_for=small))
    page = text(client.get("/records/access-log"))
    assert f'id="entry-{event.id}"' in page
    sent = client.post(f"/records/access-log/{event.id}/question",
                       data={"csrf_token": csrf(page), "question": ""})
    assert sent.status_code == 303
    [asked] = db.session.scalars(sa.select(AccessQuestion)).all()
    assert (asked.person_id, asked.asked_by_person_id) == (small.id, her.id)


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
@pytest.mark.parametrize("moment", [datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
                                    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
                                    datetime(2026, 12, 31, 23, 5, tzinfo=UTC)])
def test_the_tables_moments_read_as_everywhere_else(app, lang, moment):
    from citizen.i18n import when
    from citizen.records.log_labels import moment_label

    with app.test_request_context(f"/?lang={lang}"):
        assert moment_label(moment) == when(moment)
