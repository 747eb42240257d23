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

``notify_many()`` takes these decisions for a batch of notices with the same code (one
call of ``notify()`` is a batch of one): what they need is read once for the batch, and
each is decided as if the ones before it had been decided one at a time.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from services import audit, driver
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
from services.outbox import NewMessage, enqueue, enqueue_many
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
#: Requests :func:`notify_many` decides together: its IN lists (three keys a request) stay
#: far below SQLite's 32,766 bound values, and each flush stays small.
CHUNK = 500


class InvalidMute(ValueError):
    """Not an event name nor a ``prefix.*``."""


@dataclass(frozen=True)
class Request:
    """One notice for :func:`notify_many`: what :func:`notify` takes, but the actor."""

    person_id: int
    event: str
    #: The caller's idempotency key without the channel (``appointment:42:reminder-48h``).
    key: str
    context: Mapping[str, Any] = field(default_factory=dict)
    urgent: bool = False
    organisation_id: int | None = None


def notify(*, person_id: int, event: str, context: Mapping[str, Any], actor: Actor, key: str,
           urgent: bool = False, organisation_id: int | None = None) -> list[Notification]:
    """Decide how ``event`` reaches the person and queue it; the decisions, one per channel.

    ``key`` is the caller's idempotency key without the channel
    (``appointment:42:reminder-48h``). ``organisation_id`` is the sender, named by the
    content rule (the trust, never the unit). Raises ``UnknownEvent`` and ``NotFound``.
    """
    [decided] = notify_many(requests=[Request(
        person_id=person_id, event=event, key=key, context=context, urgent=urgent,
        organisation_id=organisation_id)], actor=actor)
    return decided


def notify_many(*, requests: Sequence[Request], actor: Actor) -> list[list[Notification]]:
    """:func:`notify` for many notices at once: each request's decisions, in order, the
    same as calling it for one request after the other (a cap counts what the requests
    before queued; a key twice is decided once, the second gets the first's rows).

    What the decisions need is read for the whole batch, one query each (earlier
    decisions, people, settings, mute rules, SMS opt-outs, the day's counts for the cap,
    KRR in one lookup), and the outbox and ``Notification`` rows are inserted together;
    :data:`CHUNK` requests at a time. Raises ``UnknownEvent`` or ``ValueError`` (a key)
    before storing anything, ``NotFound`` before storing the chunk with that person.
    """
    for request in requests:
        events.event(request.event)
        if not request.key or len(request.key) > MAX_KEY:
            raise ValueError(f"a notification key is 1 to {MAX_KEY} characters")
    decided: list[list[Notification]] = []
    for start in range(0, len(requests), CHUNK):
        decided += _decide(requests[start:start + CHUNK], actor=actor)
    return decided


def _decide(requests: Sequence[Request], *, actor: Actor) -> list[list[Notification]]:
    """One chunk of :func:`notify_many`: the chunks before it are stored, so its queries
    see their rows (their keys, what they queued for the cap) as a lone request would."""
    batch = _Batch(requests, actor=actor, now=utcnow())
    first_of: dict[str, int] = {}
    decided: list[list[Notification] | None] = []
    for position, request in enumerate(requests):
        earlier = batch.earlier.get(request.key)
        if earlier is None and request.key not in first_of:
            first_of[request.key] = position
            earlier = batch.without_contacts(request)
        decided.append(earlier)
    pending = [(position, request) for position, request in enumerate(requests)
               if decided[position] is None and first_of.get(request.key) == position]
    batch.look_up_contacts([request for _, request in pending])
    for position, request in pending:
        decided[position] = batch.with_contacts(request)
    batch.store()
    return [rows if rows is not None else decided[first_of[request.key]]
            for rows, request in zip(decided, requests, strict=True)]


def goes_by_sms(decided: Sequence[Notification]) -> bool:
    """Whether one of a notice's decisions sends it by SMS (now or after the quiet hours):
    then an answer to it by SMS can be waited for."""
    return any(n.channel == SMS and n.outcome in (Outcome.QUEUED, Outcome.DEFERRED)
               for n in decided)


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


class _Batch:
    """The decisions of one :func:`notify_many` call and what they are taken on: the facts
    about the batch's people, loaded once; the rows, stored together by :meth:`store`."""

    def __init__(self, requests: Sequence[Request], *, actor: Actor, now: datetime) -> None:
        self.actor, self.now = _actor_name(actor), now
        self.earlier = _decided({request.key for request in requests})
        person_ids = {r.person_id for r in requests if r.key not in self.earlier}
        self.people = _people(person_ids)
        if len(self.people) < len(person_ids):
            raise NotFound("person")
        self.settings = _by_id(NotificationSettings, NotificationSettings.person_id,
                               person_ids)
        self.mutes: dict[int, list[MuteRule]] = defaultdict(list)
        for rule in db.session.scalars(sa.select(MuteRule)
                                       .where(MuteRule.person_id.in_(person_ids))):
            self.mutes[rule.person_id].append(rule)
        self.senders: dict[int | None, str | None] = {}
        self.rendered: dict[tuple, dict[str, str]] = {}
        self.rows: list[Notification] = []
        self.messages: list[tuple[Notification, NewMessage]] = []

    def without_contacts(self, request: Request) -> list[Notification] | None:
        """Steps 2 and 3, decided on her settings: muted, opted out of non-essential
        messages; None: on to her addresses."""
        spec, stored = events.event(request.event), self.settings.get(request.person_id)
        if any(timing.mute_covers(rule.event, spec.name) and timing.mute_active(rule.until,
                                                                                self.now)
               for rule in self.mutes[request.person_id]):
            return [self.record(request, channel, Outcome.MUTED)
                    for channel in self.preferred(request)]
        if not spec.essential and stored is not None and not stored.non_essential:
            return [self.record(request, channel, Outcome.OPTED_OUT)
                    for channel in self.preferred(request)]
        return None

    def look_up_contacts(self, requests: Sequence[Request]) -> None:
        """Everyone's addresses (KRR asked once for all), the numbers that said STOP among
        them and the messages each already has leaving on the days the cap counts."""
        people = list({r.person_id: self.people[r.person_id] for r in requests}.values())
        try:
            self.contacts, self.krr_answered = contacts.resolve_many(people, self.settings), True
        except KrrUnavailable:
            log.warning("KRR unavailable while deciding a notification; the channel asks again")
            self.contacts = contacts.resolve_many(people, self.settings, ask_krr=False)
            self.krr_answered = False
        #: Each number as E.164, None if it is none (read once: phonenumbers is slow).
        self.numbers = {found.mobile: _normalised_mobile(found.mobile)
                        for found in self.contacts.values()}
        numbers = set(self.numbers.values()) - {None}
        self.stopped = set(db.session.scalars(
            sa.select(SmsOptOut.phone).where(SmsOptOut.phone.in_(numbers)))) if numbers else set()
        self.leaving = _leaving({r.person_id for r in requests if _cappable(r)},
                                timing.oslo_day(self.send_at(False)))

    def with_contacts(self, request: Request) -> list[Notification]:
        """Steps 4 to 6: her addresses, the channels, the cap and the quiet hours."""
        found = self.contacts[request.person_id]
        if found.reserved:
            return [self.paper(request)]
        preferred = self.preferred(request)
        addresses = {SMS: self.usable_mobile(found.mobile), EMAIL: _usable_email(found.email)}
        chosen = [c for c in preferred if addresses[c]]
        if not chosen and len(preferred) == 1 and addresses[_OTHER[preferred[0]]]:
            chosen = [_OTHER[preferred[0]]]
        if not chosen:
            if not self.krr_answered:  # KRR may know an address: the channel looks when it sends
                chosen = list(preferred)
            elif found.mobile and not found.email and self.said_stop(found.mobile):
                return [self.record(request, SMS, Outcome.OPTED_OUT)]
            else:
                return [self.paper(request)]

        person = self.people[request.person_id]
        language = language_of(person, self.settings.get(request.person_id))
        sender = self.sender(request.organisation_id)
        return [self.queue(request, channel, {"person_id": person.id, **self.message(
            channel, event=request.event, language=language, sender=sender,
            context=request.context)}) for channel in chosen]

    def message(self, channel: str, *, event: str, language: str, sender: str | None,
                context: Mapping[str, Any]) -> dict[str, str]:
        """:func:`_message`, rendered once a batch for each different notice: the same
        event in the same language from the same sender reads the same (the templates
        read nothing else), and rendering was over a quarter of a wound invitation's cost."""
        try:  # the type too: False == 0 and 1.0 == 1, but they do not read the same
            key = (channel, event, language, sender,
                   frozenset((name, type(value), value) for name, value in context.items()))
            hash(key)
        except TypeError:  # a context with lists or dicts in it: rendered every time
            return _message(channel, event=event, language=language, sender=sender,
                            context=context)
        if key not in self.rendered:
            self.rendered[key] = _message(channel, event=event, language=language,
                                          sender=sender, context=context)
        return dict(self.rendered[key])

    def preferred(self, request: Request) -> tuple[str, ...]:
        stored = self.settings.get(request.person_id)
        return _PREFERRED[stored.channels if stored else ChannelChoice.SMS]

    def send_at(self, urgent: bool) -> datetime:
        return self.now if urgent else timing.release_at(self.now, rules().quiet_hours)

    def queue(self, request: Request, channel: str, payload: dict[str, Any]) -> Notification:
        send_at = self.send_at(request.urgent)
        counted = (request.person_id, channel, timing.oslo_day(send_at))
        if timing.capped(already=self.leaving.get(counted, 0), cap=rules().daily_cap,
                         urgent=request.urgent,
                         essential=events.event(request.event).essential):
            return self.record(request, channel, Outcome.CAPPED)
        self.leaving[counted] = self.leaving.get(counted, 0) + 1
        deferred = send_at > self.now
        row = self.record(request, channel, Outcome.DEFERRED if deferred else Outcome.QUEUED,
                          send_at=send_at)
        self.messages.append((row, NewMessage(channel=channel, payload=payload,
                                              dedupe_key=row.dedupe_key,
                                              not_before=send_at if deferred else None)))
        return row

    def record(self, request: Request, channel: str, outcome: Outcome, *,
               send_at: datetime | None = None) -> Notification:
        row = Notification(dedupe_key=f"{request.key}:{channel}", person_id=request.person_id,
                           event=request.event, channel=channel, outcome=outcome,
                           organisation_id=request.organisation_id, outbox_message_id=None,
                           actor=self.actor, urgent=request.urgent, send_at=send_at,
                           handled_at=None)
        self.rows.append(row)
        return row

    def paper(self, request: Request) -> Notification:
        return record_paper(key=request.key, person_id=request.person_id, event=request.event,
                            organisation_id=request.organisation_id, actor=self.actor,
                            urgent=request.urgent)

    def store(self) -> None:
        """The outbox rows in one statement, then the decisions."""
        ids = enqueue_many([message for _, message in self.messages])
        for (row, _), message_id in zip(self.messages, ids, strict=True):
            row.outbox_message_id = message_id
        connection = db.session.connection()
        if connection.dialect.name != "postgresql" or not self.rows:
            db.session.add_all(self.rows)
            db.session.flush()
            return
        # One INSERT on the cursor (services.driver), ~0.3 ms a row less than the unit of
        # work; the rows then join the session as if loaded, so a later lookup of their
        # keys (the same key again) returns these very objects.
        for row in self.rows:
            row.created_at = self.now
        inserted = driver.insert_many(connection, _notifications, [{
            column.key: _for_driver(getattr(row, column.key)) for column in _INSERTED}
            for row in self.rows], returning=("id", "dedupe_key"))
        ids = {found.dedupe_key: found.id for found in inserted}
        for row in self.rows:
            row.id = ids[row.dedupe_key]
            make_transient_to_detached(row)
            db.session.add(row)

    def sender(self, organisation_id: int | None) -> str | None:
        if organisation_id not in self.senders:
            self.senders[organisation_id] = content.sender_name(
                db.session.get(Organisation, organisation_id) if organisation_id else None)
        return self.senders[organisation_id]

    def usable_mobile(self, raw: str | None) -> str | None:
        number = self.numbers[raw]
        return None if number is None or number in self.stopped else number

    def said_stop(self, raw: str) -> bool:
        return self.numbers[raw] in self.stopped


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


_notifications = Notification.__table__
_INSERTED = [column for column in _notifications.columns if column.key != "id"]


def _for_driver(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


def _decided(keys: set[str]) -> dict[str, list[Notification]]:
    """The rows already decided for each of ``keys``, in the order they were."""
    found: dict[str, list[Notification]] = {}
    for row in db.session.scalars(
            sa.select(Notification)
            .where(Notification.dedupe_key.in_([f"{key}:{c}" for key in keys
                                                for c in (SMS, EMAIL, PAPER)]))
            .order_by(Notification.id)):
        found.setdefault(row.dedupe_key.rsplit(":", 1)[0], []).append(row)
    return found


def _by_id(model: type, column: sa.orm.InstrumentedAttribute, ids: set[int]) -> dict:
    if not ids:
        return {}
    return {getattr(row, column.key): row
            for row in db.session.scalars(sa.select(model).where(column.in_(ids)))}


def _people(ids: set[int]) -> dict[int, Person]:
    """The people by id; those the session holds already (a citizen's own request: she
    is loaded at login) are not asked for again."""
    held = {person_id: person for person_id in ids
            if (person := db.session.identity_map.get(identity_key(Person, person_id)))
            is not None and not sa.inspect(person).expired_attributes}
    return held | _by_id(Person, Person.id, ids - held.keys())


def _cappable(request: Request) -> bool:
    """Whether the cap can hold the request back at all (not urgent nor essential)."""
    return timing.capped(already=rules().daily_cap, cap=rules().daily_cap,
                         urgent=request.urgent, essential=events.event(request.event).essential)


def _leaving(person_ids: set[int], day: date) -> dict[tuple[int, str, date], int]:
    """Messages on each channel that leave for each person on Oslo ``day`` (urgent ones
    too: she got them), by (person, channel, day)."""
    if not person_ids:
        return {}
    start, end = timing.day_bounds(day)
    return {(person_id, channel, day): count for person_id, channel, count in db.session.execute(
        sa.select(Notification.person_id, Notification.channel, sa.func.count())
        .where(Notification.person_id.in_(person_ids),
               Notification.outcome.in_([Outcome.QUEUED, Outcome.DEFERRED]),
               Notification.send_at >= start, Notification.send_at < end)
        .group_by(Notification.person_id, Notification.channel))}


def _normalised_mobile(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalise_mobile(raw)
    except InvalidNumber:
        return None


def _usable_email(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalise_email(raw)
    except InvalidEmail:
        return None


def _actor_name(actor: Actor) -> str:
    return actor.ref[:100]
