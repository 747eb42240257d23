"""Two women never get the same slot: concurrent rebook requests against a live server on
PostgreSQL, each in its own connection and transaction, as in production."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa
import time_machine

from citizen.auth.cookies import NAME
from services.actors import Actor
from services.db import db
from services.sessions.service import SessionKind, start_session
from services.ultrasound.models import Appointment, Service, Slot, SlotStatus
from tests.plugins.db import migrated_postgres_app
from tests.plugins.factories import make_organisation, make_person
from tests.plugins.live import serving
from tests.services.ultrasound.factories import (
    make_appointment,
    make_schedule,
    make_slot,
    set_due_date,
    week,
)

WOMEN = 12


@pytest.fixture
def live(make_app):
    with migrated_postgres_app(make_app) as app, serving(lambda _base: app) as base:
        yield app, base


def _session_cookie(person) -> str:
    _, token = start_session(kind=SessionKind.CITIZEN, actor=Actor.person(person.id),
                             absolute_timeout=timedelta(hours=12), person_id=person.id)
    return token


def test_one_slot_many_women_one_booking(live):
    app, base = live
    # time_machine moves the clock of every thread, the server's too: week 10, ticking.
    with time_machine.travel(week(10), tick=True), app.app_context():
        hospital = make_organisation()
        schedule = make_schedule(hospital, Service.ROUTINE)
        contested = make_slot(schedule, week(18, 3))
        women = []
        for i in range(WOMEN):
            person = make_person(given_name=f"Kvinne{i}")
            set_due_date(person)
            own = make_slot(schedule, week(18, 1, hour=8, minute=i))
            booking = make_appointment(person, hospital, Service.ROUTINE,
                                       start=own.start, slot=own)
            women.append((booking.id, own.id, _session_cookie(person)))
        db.session.commit()
        contested_id = contested.id

    start = threading.Barrier(WOMEN)

    def rebook(woman) -> tuple[int, dict]:
        appointment_id, _, cookie = woman
        start.wait()
        answer = requests.post(f"{base}/api/v1/appointments/{appointment_id}/rebook",
                               json={"slot": contested_id}, cookies={NAME: cookie},
                               timeout=60)
        return answer.status_code, answer.json()

    with time_machine.travel(week(10), tick=True), ThreadPoolExecutor(WOMEN) as pool:
        answers = list(pool.map(rebook, women))

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * (WOMEN - 1), answers
    assert all(body["errors"] == {"slot": ["slot_taken"]}
               for status, body in answers if status == 409)
    with app.app_context():
        slot = db.session.get(Slot, contested_id)
        winner = next(w for w, (status, _) in zip(women, answers, strict=True)
                      if status == 200)
        assert (slot.status, slot.appointment_id) == (SlotStatus.BUSY, winner[0])
        for appointment_id, own_slot, _ in women:
            appointment = db.session.get(Appointment, appointment_id)
            if appointment_id == winner[0]:
                assert appointment.slot_id == contested_id
                assert db.session.get(Slot, own_slot).status is SlotStatus.FREE
            else:  # nothing lost: each still holds her own slot
                assert appointment.slot_id == own_slot
                assert db.session.get(Slot, own_slot).appointment_id == appointment_id
        held = db.session.scalar(sa.select(sa.func.count()).select_from(Slot).where(
            Slot.appointment_id.is_not(None)))
        assert held == WOMEN


def test_one_woman_two_tabs_one_slot_held(live):
    app, base = live
    with time_machine.travel(week(10), tick=True), app.app_context():
        hospital = make_organisation()
        schedule = make_schedule(hospital, Service.ROUTINE)
        person = make_person(given_name="Kari")
        set_due_date(person)
        own = make_slot(schedule, week(18, 1))
        booking = make_appointment(person, hospital, Service.ROUTINE, start=own.start,
                                   slot=own)
        targets = [make_slot(schedule, week(18, 3, hour=8 + i)).id for i in range(6)]
        cookie = _session_cookie(person)
        db.session.commit()
        appointment_id = booking.id
    start = threading.Barrier(len(targets))

    def rebook(slot_id: int) -> int:
        start.wait()
        return requests.post(f"{base}/api/v1/appointments/{appointment_id}/rebook",
                             json={"slot": slot_id}, cookies={NAME: cookie},
                             timeout=60).status_code

    with time_machine.travel(week(10), tick=True), ThreadPoolExecutor(len(targets)) as pool:
        statuses = list(pool.map(rebook, targets))
    assert statuses == [200] * len(targets)  # one after the other, each a move
    with app.app_context():
        held = list(db.session.scalars(sa.select(Slot).where(
            Slot.appointment_id == appointment_id)))
        assert len(held) == 1
        assert db.session.get(Appointment, appointment_id).slot_id == held[0].id
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Slot).where(
            Slot.status == SlotStatus.BUSY)) == 1
