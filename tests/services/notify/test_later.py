"""notify_later(): the request queued in the caller's transaction, decided by a worker as
notify() would have decided it there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.actors import Actor
from services.notify.events import UnknownEvent
from services.notify.later import notify_later
from services.notify.models import Notification, Outcome
from services.notify.service import MAX_KEY, notify
from services.outbox.models import OutboxMessage, OutboxStatus
from tests.plugins.db import table_rows
from tests.services.notify.helpers import person_with, trust_and_unit

NEW = "notify.new-message"
KEY = "wound-case:7:answered"


@pytest.fixture(autouse=True)
def _rules(notify_rules, frozen_clock):
    """No quiet hours, a fixed clock."""


def _decisions():
    return [(n.event, n.channel, n.outcome, n.dedupe_key, n.actor, n.organisation_id)
            for n in table_rows(Notification)]


def test_the_request_is_queued_and_a_worker_decides_it_as_notify_would(
        db, published_messages, outbox_worker):
    _, unit = trust_and_unit()
    person = person_with()
    notify_later(person_id=person.id, event=NEW, context={"n": 1}, actor=Actor.person(person.id),
                 key=KEY, organisation_id=unit.id)
    db.session.commit()
    assert table_rows(Notification) == []  # nothing decided in the caller's transaction
    [notice] = table_rows(OutboxMessage)
    assert (notice.channel, notice.dedupe_key) == ("notice", f"{KEY}:later")
    assert published_messages == [notice.id]

    assert outbox_worker() == ["sent", "sent"]  # the decision, then the SMS it queued
    later = _decisions()
    assert later == [(NEW, "sms", Outcome.QUEUED, f"{KEY}:sms", f"person:{person.id}",
                      unit.id)]

    # notify() in the caller's transaction decides the same, for another person.
    other = person_with()
    notify(person_id=other.id, event=NEW, context={"n": 1}, actor=Actor.person(other.id),
           key="wound-case:8:answered", organisation_id=unit.id)
    assert _decisions()[1][:3] == later[0][:3]
    assert {m.channel for m in table_rows(OutboxMessage)} == {"notice", "sms"}


def test_the_same_key_twice_is_one_notice_and_one_decision(db, outbox_worker):
    person = person_with()
    for _ in range(2):
        notify_later(person_id=person.id, event=NEW, context={}, actor=Actor.person(person.id),
                     key=KEY)
        db.session.commit()
    assert len(table_rows(OutboxMessage)) == 1
    outbox_worker()
    assert len(table_rows(Notification)) == 1


def test_an_operators_actor_is_kept_whole(db, outbox_worker):
    person = person_with()
    notify_later(person_id=person.id, event=NEW, context={}, actor=Actor.operator("support"),
                 key=KEY)
    db.session.commit()
    outbox_worker()
    assert [n.actor for n in table_rows(Notification)] == ["system:operator:support"]


@pytest.mark.parametrize(("changes", "refused"), [
    ({"event": "no.such-event"}, UnknownEvent),
    ({"key": ""}, ValueError),
    ({"key": "k" * (MAX_KEY + 1)}, ValueError),
    ({"context": {"when": datetime(2026, 3, 2, tzinfo=UTC)}}, TypeError),
    ({"context": {"pair": (1, 2)}}, TypeError),  # a worker would get a list
])
def test_what_notify_would_refuse_is_refused_at_once_and_nothing_is_queued(
        db, changes, refused):
    person = person_with()
    request = {"person_id": person.id, "event": NEW, "context": {}, "key": KEY,
               "actor": Actor.person(person.id), **changes}
    with pytest.raises(refused):
        notify_later(**request)
    assert table_rows(OutboxMessage) == []


def test_the_longest_key_fits_beside_its_suffix(db, outbox_worker):
    person = person_with()
    notify_later(person_id=person.id, event=NEW, context={}, actor=Actor.person(person.id),
                 key="k" * MAX_KEY)
    db.session.commit()
    assert outbox_worker() == ["sent", "sent"]


def test_a_person_gone_before_the_worker_decides_is_a_dead_notice(db, outbox_worker):
    person = person_with()
    notify_later(person_id=person.id, event=NEW, context={}, actor=Actor.person(person.id),
                 key=KEY)
    db.session.commit()
    db.session.delete(person)
    db.session.commit()
    assert outbox_worker() == ["dead"]
    [notice] = table_rows(OutboxMessage)
    assert notice.status is OutboxStatus.DEAD
    assert notice.last_error == "the person is no longer registered"
    assert table_rows(Notification) == []
