"""The ultrasound pages in bokmål: her scans with their windows and warnings, the forms to
cancel, move, ask for another time, decide on the early scan and report once; refusals
shown on the form (4xx), nothing lost; the tile on Min side."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from services import driver
from services.audit.models import AuditEvent
from services.db import db
from services.people.models import Person
from services.ultrasound.consent import INFORMATION_VERSION
from services.ultrasound.models import (
    Appointment,
    AppointmentStatus,
    ChangeRequest,
    EarlyScanConsent,
    PregnancyReport,
    Service,
    Slot,
    SlotStatus,
)
from tests.citizen.pages import csrf, sign_in_citizen, text
from tests.plugins.clock import T0
from tests.plugins.factories import make_organisation, make_person
from tests.services.ultrasound.factories import (
    make_appointment,
    make_schedule,
    make_slot,
    set_due_date,
    week,
)


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def woman(hospital, client):
    person = make_person(given_name="Ingrid", family_name="Berg")
    set_due_date(person)
    sign_in_citizen(client, person)
    return person


@pytest.fixture
def routine(woman, hospital):
    schedule = make_schedule(hospital, Service.ROUTINE)
    slot = make_slot(schedule, week(18, 2))
    return make_appointment(woman, hospital, Service.ROUTINE, start=week(18, 2), slot=slot), \
        schedule, slot


def post(client, path: str, data: dict):
    token = csrf(text(client.get(path)))
    return client.post(path, data={**data, "csrf_token": token})


def test_overview_and_scan(client, woman, hospital, routine):
    appointment, _, _ = routine
    make_appointment(woman, hospital, start=week(12))
    page = text(client.get("/appointments"))
    assert "<h1>Timeavtaler</h1>" in page
    assert "I dag er du gravid i uke 10+0." in page
    assert "Termindato: 28. september 2026." in page
    assert "Den tidlige undersøkelsen venter på svaret ditt" in page
    assert "Tidlig ultralyd" in page and "Rutineultralyd" in page
    scan = text(client.get(f"/appointments/{appointment.id}"))
    for said in ("Når og hvor", "27. april 2026", "kl. 10.00", "Omtrent 30 minutter",
                 "Prinsesse Kristinas gate 6, 7030 Trondheim",
                 "mellom uke 18+0 og uke 19+6", "hvor morkaken ligger",
                 "gutt eller en jente", "blæren skal være tom", "Vi ber deg la barn være hjemme",
                 "inntil 24 timer før", f"/api/v1/appointments/{appointment.id}/calendar.ics",
                 f"/api/v1/appointments/{appointment.id}/letter.pdf"):
        assert said in scan, said


def test_the_overview_is_audited_as_what_it_shows(client, woman, hospital, routine):
    decided = EarlyScanConsent(person_id=woman.id, decision="consented", decided_at=T0,
                               actor=f"person:{woman.id}",
                               information_version=INFORMATION_VERSION)
    db.session.add_all([decided, PregnancyReport(person_id=woman.id, twins=True,
                                                 reported_at=T0, updated_at=T0)])
    db.session.commit()
    before = _audit_ids()
    assert client.get("/appointments").status_code == 200
    rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id.not_in(before))
                              .order_by(AuditEvent.id)).all()
    assert [(r.action, r.resource_type, r.resource_id, r.subject_person_id, r.purpose,
             r.actor_id) for r in rows] == [
        ("search", "Appointment", None, woman.id, "self-service", str(woman.id)),
        ("read", "EarlyScanConsent", str(decided.id), woman.id, "self-service", str(woman.id)),
        ("read", "PregnancyReport", str(woman.id), woman.id, "self-service", str(woman.id)),
    ]


def test_the_overview_sends_as_many_statements_for_many_scans_as_for_one(
        client, woman, hospital, routine, monkeypatch):
    sent = _count_statements(monkeypatch)
    assert "Rutineultralyd" in sent(lambda: client.get("/appointments"))
    make_appointment(woman, hospital, start=week(12))
    make_appointment(woman, hospital, start=T0 - timedelta(days=30),
                     status=AppointmentStatus.FULFILLED)
    cancelled = make_appointment(woman, hospital, Service.ROUTINE, start=week(19))
    cancelled.status = AppointmentStatus.CANCELLED
    db.session.add(ChangeRequest(appointment_id=routine[0].id, person_id=woman.id,
                                 reason="illness", status="open", created_at=T0))
    db.session.commit()
    page = sent(lambda: client.get("/appointments"))
    assert page.count("Tidlig ultralyd") == 2 and "Avlyst" in page
    assert len(sent.statements) == 2 and sent.statements[0] == sent.statements[1] > 0


def _audit_ids() -> list[int]:
    return list(db.session.scalars(sa.select(AuditEvent.id)))


def _count_statements(monkeypatch):
    """``sent(request)``: the page's text; how many statements it sent goes to
    ``sent.statements``, those on the driver's cursor (services/driver.py) included."""
    engine = db.session.get_bind()
    count = [0]
    for name in ("scalar", "rows", "insert_many"):
        original = getattr(driver, name)
        monkeypatch.setattr(driver, name, lambda *args, _original=original, **kwargs: (
            count.__setitem__(0, count[0] + 1), _original(*args, **kwargs))[1])

    def listener(_connection, _cursor, statement, *_args):
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            count[0] += 1

    def sent(request):
        count[0] = 0
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            response = request()
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        assert response.status_code == 200
        sent.statements.append(count[0])
        return text(response)

    sent.statements = []
    return sent


def test_a_booking_outside_its_window_is_warned_of(client, woman, hospital):
    booked = make_appointment(woman, hospital, Service.ROUTINE, start=week(17, 3))
    page = text(client.get(f"/appointments/{booked.id}"))
    assert "Denne timen er før ukene undersøkelsen bør gjøres i." in page
    assert "Denne timen er før ukene" in text(client.get("/appointments"))


def test_no_due_date_no_window(client, hospital):
    person = make_person(given_name="Siri")
    sign_in_citizen(client, person)
    booked = make_appointment(person, hospital, Service.ROUTINE, start=week(18, 2))
    page = text(client.get(f"/appointments/{booked.id}"))
    assert "Sykehuset har ikke satt termindatoen din ennå." in page
    move = text(client.get(f"/appointments/{booked.id}/move"))
    assert "Sykehuset har ikke satt termindatoen din ennå, så vi kan ikke finne riktig uke." \
        in move


def test_another_womans_scan_is_404(client, woman, hospital):
    theirs = make_appointment(make_person(given_name="Ola"), hospital, start=week(12))
    for path in ("", "/cancel", "/move", "/change-request"):
        assert client.get(f"/appointments/{theirs.id}{path}").status_code == 404
    assert client.get("/appointments/99999999999").status_code == 404


def test_cancel_form(client, woman, routine):
    appointment, _, slot = routine
    path = f"/appointments/{appointment.id}/cancel"
    empty = post(client, path, {"reason": "   "})
    assert empty.status_code == 422
    assert "Skriv noen ord om hvorfor" in text(empty)
    done = post(client, path, {"reason": "Reiser bort"})
    assert done.status_code == 303 and done.location.endswith(f"/appointments/{appointment.id}")
    assert "Timen er avlyst. Vi har sendt deg en bekreftelse." in text(client.get(done.location))
    assert db.session.get(Appointment, appointment.id).status is AppointmentStatus.CANCELLED
    assert db.session.get(Slot, slot.id).status is SlotStatus.FREE
    again = client.post(path, data={"reason": "x", "csrf_token": csrf(text(client.get(
        f"/appointments/{appointment.id}/change-request")))})
    assert again.status_code == 409
    assert "Denne timen er allerede avlyst." in text(again)


def test_cancelling_a_past_one_is_refused(client, woman, hospital):
    past = make_appointment(woman, hospital, start=T0 - timedelta(days=2),
                            status=AppointmentStatus.FULFILLED)
    soon = make_appointment(woman, hospital, start=T0 + timedelta(hours=3))
    token = csrf(text(client.get("/pregnancy/report")))
    refused = client.post(f"/appointments/{past.id}/cancel",
                          data={"reason": "x", "csrf_token": token})
    assert refused.status_code == 409 and "Timen er over" in text(refused)
    late = client.post(f"/appointments/{soon.id}/cancel",
                       data={"reason": "x", "csrf_token": token})
    assert late.status_code == 409 and "Ring klinikken" in text(late)
    assert db.session.get(Appointment, soon.id).status is AppointmentStatus.BOOKED


def test_move_form(client, woman, routine):
    appointment, schedule, old = routine
    inside = make_slot(schedule, week(19, 1))
    outside = make_slot(schedule, week(17, 4))
    path = f"/appointments/{appointment.id}/move"
    page = text(client.get(path))
    assert f'value="{inside.id}"' in page and f'value="{outside.id}"' not in page
    nothing = post(client, path, {})
    assert nothing.status_code == 422 and "Velg en ny time." in text(nothing)
    wrong = post(client, path, {"slot": str(outside.id)})
    assert wrong.status_code == 422 and "utenfor ukene" in text(wrong)
    unknown = post(client, path, {"slot": "999999"})
    assert unknown.status_code == 422 and "tilbys ikke lenger" in text(unknown)
    assert db.session.get(Slot, old.id).appointment_id == appointment.id
    moved = post(client, path, {"slot": str(inside.id)})
    assert moved.status_code == 303
    assert db.session.get(Appointment, appointment.id).slot_id == inside.id


def test_move_into_a_taken_slot(client, woman, hospital, routine):
    appointment, schedule, _ = routine
    taken = make_slot(schedule, week(19, 1))
    make_appointment(make_person(given_name="Ola"), hospital, Service.ROUTINE,
                     start=taken.start, slot=taken)
    answer = post(client, f"/appointments/{appointment.id}/move", {"slot": str(taken.id)})
    assert answer.status_code == 409 and "Noen andre tok nettopp den timen." in text(answer)


def test_the_early_scan_needs_consent_before_moving(client, woman, hospital):
    schedule = make_schedule(hospital)
    appointment = make_appointment(woman, hospital, start=week(12))
    slot = make_slot(schedule, week(12, 2))
    page = text(client.get(f"/appointments/{appointment.id}/move"))
    assert "må du si om du ønsker den" in page
    refused = post(client, f"/appointments/{appointment.id}/move", {"slot": str(slot.id)})
    assert refused.status_code == 409


def test_change_request_form(client, woman, routine):
    appointment, _, _ = routine
    path = f"/appointments/{appointment.id}/change-request"
    missing = post(client, path, {"reason_text": "etter kl. 15"})
    assert missing.status_code == 422 and "Velg en grunn." in text(missing)
    assert "etter kl. 15" in text(missing)  # what she typed is kept
    sent = post(client, path, {"reason": "no_fitting_slot", "reason_text": "etter kl. 15",
                               "wants_call": "yes"})
    assert sent.status_code == 303
    stored = db.session.scalars(sa.select(ChangeRequest)).one()
    assert (stored.reason_text, stored.wants_call) == ("etter kl. 15", True)
    assert "Du har allerede bedt om en ny time." in text(client.get(path))


def test_consent_flow(client, woman):
    page = text(client.get("/pregnancy/consent"))
    assert "fosterdiagnostikk" in page and INFORMATION_VERSION in page
    unread = post(client, "/pregnancy/consent", {"decision": "consented",
                                                 "information_version": INFORMATION_VERSION})
    assert unread.status_code == 422 and "Bekreft at du har lest informasjonen." in text(unread)
    none = post(client, "/pregnancy/consent", {"information_version": INFORMATION_VERSION})
    assert none.status_code == 422
    outdated = post(client, "/pregnancy/consent", {"decision": "consented", "has_read": "yes",
                                                   "information_version": "2001"})
    assert outdated.status_code == 409 and "Les den på nytt" in text(outdated)
    yes = post(client, "/pregnancy/consent", {"decision": "consented", "has_read": "yes",
                                              "information_version": INFORMATION_VERSION})
    assert yes.status_code == 303
    assert "Takk. Samtykket ditt er registrert." in text(client.get(yes.location))
    withdrawn = post(client, "/pregnancy/consent", {"decision": "revoked",
                                                    "information_version": INFORMATION_VERSION})
    assert withdrawn.status_code == 303
    stored = db.session.scalars(sa.select(EarlyScanConsent)).one()
    assert stored.revoked_at == T0


def test_report_form(client, woman, hospital):
    coming = make_appointment(woman, hospital, start=week(12))
    bad = post(client, "/pregnancy/report", {"twins": "yes", "interpreter": "xx"})
    assert bad.status_code == 422 and "Velg et språk fra listen." in text(bad)
    saved = post(client, "/pregnancy/report", {"twins": "yes", "special_needs": "Rullestol",
                                               "interpreter": "so"})
    assert saved.status_code == 303
    report = db.session.get(PregnancyReport, woman.id)
    assert (report.twins, report.special_needs) == (True, "Rullestol")
    assert db.session.get(Person, woman.id).interpreter_language == "so"
    assert db.session.get(Appointment, coming.id).interpreter_language == "so"
    overview = text(client.get("/appointments"))
    assert "Du har fortalt oss at du venter tvillinger." in overview
    assert "Du trenger tolk på somali." in overview
    assert "Vi har bestilt tolk på somali til deg." in text(client.get(
        f"/appointments/{coming.id}"))
    assert post(client, "/pregnancy/report", {"twins": "kanskje"}).status_code == 400


def test_the_tile_shows_the_next_scan_and_what_waits(client, woman, hospital, routine):
    make_appointment(woman, hospital, start=week(12))
    home = text(client.get("/min-side"))
    assert '<a href="/appointments">Timeavtaler</a>' in home
    assert "Neste: Tidlig ultralyd, 16. mars 2026 kl. 10.00" in home
    assert "1 ting trenger oppmerksomheten din" in home  # the early scan's consent


# One language per test: the test's app context (and flask-babel's choice in it) is shared
# by its requests.
@pytest.mark.parametrize(("lang", "said"), [("nn", "Når og kvar"), ("en", "When and where")])
def test_the_pages_in_nynorsk_and_english(client, woman, routine, lang, said):
    appointment, _, _ = routine
    assert said in text(client.get(f"/appointments/{appointment.id}?lang={lang}"))


def test_the_overview_cards_in_english(client, woman, routine):
    page = text(client.get("/appointments?lang=en"))
    assert "Routine ultrasound" in page
    assert "You will be 18+2 weeks pregnant. This scan belongs in week 18+0–19+6." in page

