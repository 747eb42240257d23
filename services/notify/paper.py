"""Letters on paper: for people reserved against digital contact in KRR, or with no way to
reach them. ``notify()`` and the channels record them; staff list and mark them sent."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services import audit
from services.actors import Actor
from services.clock import utcnow
from services.db import db
from services.notify.models import Notification, Outcome
from services.people.service import NotFound, with_units

PAPER = "paper"


def record_paper(*, key: str, person_id: int, event: str, organisation_id: int | None,
                 actor: str, urgent: bool) -> Notification:
    """The decision that ``key`` needs a letter; the same key twice is one letter."""
    dedupe_key = f"{key}:{PAPER}"
    existing = _by_key(dedupe_key)
    if existing is not None:
        return existing
    letter = Notification(dedupe_key=dedupe_key, person_id=person_id, event=event,
                          channel=PAPER, outcome=Outcome.PAPER,
                          organisation_id=organisation_id, actor=actor, urgent=urgent)
    try:
        with db.session.begin_nested():  # two channels of one event may race to it
            db.session.add(letter)
    except IntegrityError:
        return _by_key(dedupe_key)
    return letter


def paper_letters_due(*, actor: Actor,
                      organisation_ids: Collection[int] | None = None) -> list[Notification]:
    """Letters not yet marked sent, oldest first, audited as read by ``actor``.

    ``organisation_ids``: only letters from these organisations and the units under them
    (a staff member's organisations); None: every letter (an administrator's view).
    """
    query = (sa.select(Notification)
             .where(Notification.channel == PAPER, Notification.handled_at.is_(None))
             .order_by(Notification.created_at, Notification.id))
    if organisation_ids is not None:
        query = query.where(Notification.organisation_id.in_(with_units(organisation_ids)))
    letters = list(db.session.scalars(query))
    audit.record_many(actor=actor, action="read", resource_type="Notification",
                      accesses=[(letter.id, letter.person_id) for letter in letters],
                      purpose="notifications")
    return letters


def mark_letter_sent(*, notification_id: int, actor: Actor,
                     organisation_ids: Collection[int] | None = None) -> Notification:
    """Record that staff printed and posted the letter (audited); NotFound if it is not a
    letter ``organisation_ids`` may see. Marking it twice keeps the first time."""
    letter = db.session.get(Notification, notification_id)
    if letter is None or letter.channel != PAPER or (
            organisation_ids is not None
            and letter.organisation_id not in with_units(organisation_ids)):
        raise NotFound("letter")
    if letter.handled_at is None:
        letter.handled_at = utcnow()
        db.session.flush()
        audit.record(actor=actor, action="update", resource_type="Notification",
                     resource_id=letter.id, subject_person_id=letter.person_id,
                     purpose="notifications", reason="letter sent")
    return letter


def _by_key(dedupe_key: str) -> Notification | None:
    return db.session.scalar(sa.select(Notification).where(Notification.dedupe_key == dedupe_key))
