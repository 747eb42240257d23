"""Finding the schedule and slot a hospital's resource points at (the patient and the
hospital: ``services.people.lookups``)."""

from __future__ import annotations

import sqlalchemy as sa

from services.db import db
from services.ultrasound.models import Schedule, Slot


def schedule_by_id(schedule_id: int) -> Schedule | None:
    return db.session.get(Schedule, schedule_id)


def schedule_by_identifier(identifier: str) -> Schedule | None:
    return db.session.scalar(sa.select(Schedule).where(Schedule.identifier == identifier))


def slot_by_id(slot_id: int) -> Slot | None:
    return db.session.get(Slot, slot_id)
