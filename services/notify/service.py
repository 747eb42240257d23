"""``notify()``: the one call a service makes to tell a citizen something. It decides and
queues; the channels send from the workers after the commit.

What it decides, in this order (each step's outcome is one ``Notification`` row per
channel, so staff and tests can see why a message did or did not go):

1. the same ``key`` again: the rows of the first call, nothing new;
2. a mute rule covers the event: ``muted``;
3. a non-essential event and she opted out of those: ``opted_out``;
4. reserved in KRR, or no address anywhere: one ``paper`` row (a letter is needed);
5. channels: her choice (SMS, e-mail, both) among those with a usable address, else the
   other one; an SMS number that answered STOP is not usable; only an opted-out number
   and nothing else: ``opted_out``;
6. per channel: over the daily cap → ``capped``; in quiet hours → ``deferred`` (queued
   until they end); else ``queued``. Urgent messages are never capped nor deferred.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.clock import utcnow
from services.db import db
from services.notify import contacts, content, events, timing
from services.notify.addresses import (
    InvalidEmail,
    InvalidNumber,
    normalise_email,
    normalise_mobile,
)
from services.notify.config import rules
from services.notify.krr import KrrUnavailable
from services.notify.models import (
    ChannelChoice,
    MuteRule,
    Notification,
    NotificationSettings,
    Outcome,
    SmsOptOut,
)
from services.notify.paper import PAPER, record_paper
from services.notify.settings import language_of
from services.outbox import enqueue
from services.outbox.models import OutboxMessage
from services.people.models import Organisation, Person
from services.people.service import NotFound

log = logging.getLogger(__name__)

SMS, EMAIL = "sms", "email"
_PREFERRED = {ChannelChoice.SMS: (SMS,), ChannelChoice.EMAIL: (EMAIL,),
              ChannelChoice.BOTH: (SMS, EMAIL)}
_OTHER = {SMS: EMAIL, EMAIL: SMS}
#: Room left in ``dedupe_key`` (200) for ``:email``.
MAX_KEY = 200 - len(":email")


class InvalidMute(ValueError):
    """Not an event name nor a ``prefix.*``."""


def notify(*, person_id: int, event: str, context: Mapping[str, Any], actor: Actor, key: str,
           urgent: bool = False, organisation_id: int | None = None) -> list[Notification]:
    """Decide how ``event`` reaches the person and queue it; the decisions, one per channel.

    ``key`` is the caller's idempotency key without the channel
    (``appointment:42:reminder-48h``). ``organisation_id`` is the sender, named by the
    content rule (the trust, never the unit). Raises ``UnknownEvent`` and ``NotFound``.
    """
    spec = events.event(event)
    if not key or len(key) > MAX_KEY:
        raise ValueError(f"a notification key is 1 to {MAX_KEY} characters")
    earlier = _decided(key)
    if earlier:
        return earlier
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("person")
    stored = db.session.get(NotificationSettings, person_id)
    preferred = _PREFERRED[stored.channels if stored else ChannelChoice.SMS]
    now = utcnow()
    decision = _Decision(key=key, person=person, event=spec.name, actor=actor, urgent=urgent,
                         organisation_id=organisation_id, now=now)

    if _muted(person_id, spec.name, now):
        return [decision.record(channel, Outcome.MUTED) for channel in preferred]
    if not spec.essential and stored is not None and not stored.non_essential:
        return [decision.record(channel, Outcome.OPTED_OUT) for channel in preferred]
    try:
        found, krr_answered = contacts.resolve(person), True
    except KrrUnavailable:
        log.warning("KRR unavailable while deciding a notification; the channel asks again")
        found, krr_answered = contacts.resolve_without_krr(person), False
    if found.reserved:
        return [decision.paper()]

    addresses = {SMS: _usable_mobile(found.mobile), EMAIL: _usable_email(found.email)}
    chosen = [c for c in preferred if addresses[c]]
    if not chosen and len(preferred) == 1 and addresses[_OTHER[preferred[0]]]:
        chosen = [_OTHER[preferred[0]]]
    if not chosen:
        if not krr_answered:  # KRR may know an address: the channel looks when it sends
            chosen = list(preferred)
        elif found.mobile and not found.email and _opted_out(found.mobile):
            return [decision.record(SMS, Outcome.OPTED_OUT)]
        else:
            return [decision.paper()]

    language = language_of(person, stored)
    sender = content.sender_name(db.session.get(Organisation, organisation_id)
                                 if organisation_id else None)
    return [decision.queue(channel, {"person_id": person_id, **_message(
        channel, event=spec.name, language=language, sender=sender, context=context)})
            for channel in chosen]


def set_mute(*, person_id: int, event: str, reason: str, actor: Actor,
             until: datetime | None = None) -> MuteRule:
    """Silence ``event`` (or ``prefix.*``) for the person until ``until`` (None: until
    lifted); setting it again replaces reason and end. Audited."""
    if not timing.valid_mute_rule(event):
        raise InvalidMute(f"not an event name or prefix.*: {event!r}")
    if db.session.get(Person, person_id) is None:
        raise NotFound("person")
    rule = db.session.scalar(sa.select(MuteRule).where(MuteRule.person_id == person_id,
                                                       MuteRule.event == event))
    if rule is None:
        rule = MuteRule(person_id=person_id, event=event)
        db.session.add(rule)
    rule.reason, rule.until, rule.set_by = reason[:200], until, _actor_name(actor)
    db.session.flush()
    audit.record(actor=actor, action="update", resource_type="NotificationMute",
                 resource_id=rule.id, subject_person_id=person_id, purpose="notifications")
    return rule


def lift_mute(*, person_id: int, event: str, actor: Actor) -> bool:
    """Remove the rule set for exactly ``event``; False if there was none. Audited."""
    rule = db.session.scalar(sa.select(MuteRule).where(MuteRule.person_id == person_id,
                                                       MuteRule.event == event))
    if rule is None:
        return False
    db.session.delete(rule)
    db.session.flush()
    audit.record(actor=actor, action="delete", resource_type="NotificationMute",
                 resource_id=rule.id, subject_person_id=person_id, purpose="notifications")
    return True


def send_test_message(*, actor: Actor, to: str | None = None,
                      person_id: int | None = None) -> list[OutboxMessage]:
    """The operator's test (event ``notify.test``), queued now whatever the hour: to a
    number or an e-mail address as given, or to a person through ``notify()``."""
    if (to is None) == (person_id is None):
        raise ValueError("give either a number or address, or a person")
    key = f"{events.TEST.name}:{uuid.uuid4().hex}"
    if person_id is not None:
        decided = notify(person_id=person_id, event=events.TEST.name, context={}, actor=actor,
                         key=key, urgent=True)
        return [db.session.get(OutboxMessage, n.outbox_message_id) for n in decided
                if n.outbox_message_id is not None]
    channel = EMAIL if "@" in to else SMS
    address = normalise_email(to) if channel == EMAIL else normalise_mobile(to)
    message = _message(channel, event=events.TEST.name, language=content.DEFAULT_LANGUAGE,
                       sender=None, context={})
    return [enqueue(channel=channel, payload={"to": address, **message},
                    dedupe_key=f"{key}:{channel}")]


class _Decision:
    """One ``notify()`` call's rows, all alike but for channel and outcome."""

    def __init__(self, *, key: str, person: Person, event: str, actor: Actor, urgent: bool,
                 organisation_id: int | None, now: datetime) -> None:
        self.key, self.person, self.event, self.urgent = key, person, event, urgent
        self.actor, self.organisation_id, self.now = _actor_name(actor), organisation_id, now

    def record(self, channel: str, outcome: Outcome, *, message: OutboxMessage | None = None,
               send_at: datetime | None = None) -> Notification:
        row = Notification(dedupe_key=f"{self.key}:{channel}", person_id=self.person.id,
                           event=self.event, channel=channel, outcome=outcome,
                           organisation_id=self.organisation_id,
                           outbox_message_id=message.id if message else None,
                           actor=self.actor, urgent=self.urgent, send_at=send_at)
        db.session.add(row)
        db.session.flush()
        return row

    def paper(self) -> Notification:
        return record_paper(key=self.key, person_id=self.person.id, event=self.event,
                            organisation_id=self.organisation_id, actor=self.actor,
                            urgent=self.urgent)

    def queue(self, channel: str, payload: dict[str, Any]) -> Notification:
        send_at = self.now if self.urgent else timing.release_at(self.now, rules().quiet_hours)
        already = _leaving(self.person.id, channel, timing.oslo_day(send_at))
        if timing.capped(already=already, cap=rules().daily_cap, urgent=self.urgent,
                         essential=events.event(self.event).essential):
            return self.record(channel, Outcome.CAPPED)
        deferred = send_at > self.now
        message = enqueue(channel=channel, payload=payload, dedupe_key=f"{self.key}:{channel}",
                          not_before=send_at if deferred else None)
        return self.record(channel, Outcome.DEFERRED if deferred else Outcome.QUEUED,
                           message=message, send_at=send_at)


def _message(channel: str, *, event: str, language: str, sender: str | None,
             context: Mapping[str, Any]) -> dict[str, str]:
    """The message part of the outbox payload (docs/notifications.md); the payload adds
    ``person_id`` (the address is looked up when it is sent) or, for the test, ``to``."""
    if channel == SMS:
        return {"body": content.render_sms(event=event, language=language, sender=sender,
                                           context=context)}
    email = content.render_email(event=event, language=language, sender=sender,
                                 context=context)
    return {"subject": email.subject, "text": email.text, "html": email.html}


def _decided(key: str) -> list[Notification]:
    return list(db.session.scalars(
        sa.select(Notification)
        .where(Notification.dedupe_key.in_([f"{key}:{c}" for c in (SMS, EMAIL, PAPER)]))
        .order_by(Notification.id)))


def _muted(person_id: int, event: str, now: datetime) -> bool:
    rules_of_person = db.session.scalars(sa.select(MuteRule).where(MuteRule.person_id == person_id))
    return any(timing.mute_covers(rule.event, event) and timing.mute_active(rule.until, now)
               for rule in rules_of_person)


def _leaving(person_id: int, channel: str, day) -> int:
    """Messages on ``channel`` that leave for the person on Oslo ``day`` (urgent ones too:
    she got them)."""
    start, end = timing.day_bounds(day)
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.person_id == person_id, Notification.channel == channel,
               Notification.outcome.in_([Outcome.QUEUED, Outcome.DEFERRED]),
               Notification.send_at >= start, Notification.send_at < end))


def _usable_mobile(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        number = normalise_mobile(raw)
    except InvalidNumber:
        return None
    return None if _opted_out(number) else number


def _opted_out(raw: str) -> bool:
    try:
        number = normalise_mobile(raw)
    except InvalidNumber:
        return False
    return db.session.get(SmsOptOut, number) is not None


def _usable_email(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalise_email(raw)
    except InvalidEmail:
        return None


def _actor_name(actor: Actor) -> str:
    return actor.ref[:100]
