"""What Twilio tells us: the statuses of the SMS we sent, and the SMS citizens send us.

Statuses move forward only along Twilio's lifecycle. An inbound SMS is an opt-out or
opt-in keyword, a request for help, or a reply to a conversation a service opened with
``open_conversation``: it reaches that service's ``@reply_handler`` only while the
conversation is open and unexpired, and only from the number it was opened for. Whoever
else writes gets a neutral answer that says nothing about anyone.

Answers are in the language of the number's owner where we know exactly one (the
notification settings' language, else the record's): nb, nn or en, nb otherwise. The
neutral answer is always nb, so that it does not tell whether a number is known.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from services import audit, driver
from services.actors import Actor
from services.clock import utcnow
from services.db import db
from services.notify.models import Conversation, NotificationSettings, SmsOptOut, SmsStatus
from services.people.models import Person

log = logging.getLogger(__name__)

# -- delivery statuses -------------------------------------------------------------------

#: Twilio's lifecycle of an outbound message, as steps: a status replaces only one on an
#: earlier step, so a late ``sent`` never overwrites ``delivered`` and a repeat is a no-op.
#: ``read`` (WhatsApp, RCS) follows ``delivered``.
STATUS_STEPS: dict[str, int] = {
    "accepted": 0, "scheduled": 0, "queued": 0,
    "sending": 1,
    "sent": 2,
    "partially_delivered": 3,
    "delivered": 4, "undelivered": 4, "failed": 4, "canceled": 4,
    "read": 5,
}


_sms_statuses = SmsStatus.__table__
#: The forward-only move: the row of the SID whose stored status is on an earlier step.
#: Callbacks arrive for every SMS, so it is built once and, on PostgreSQL, compiled once
#: and sent on the driver's cursor (``driver.fetch``; through SQLAlchemy elsewhere): built
#: and run through the ORM per callback it was over half a callback's CPU in-process
#: (bench/README.md, notifications). The step of the stored status is a CASE
#: over STATUS_STEPS (a status we do not know has none and never moves), not an IN list
#: of the earlier names, which would be one statement per step and, expanded at each
#: execution, could not be compiled once.
_MOVE_FORWARD = (
    sa.update(_sms_statuses)
    .where(_sms_statuses.c.sid == sa.bindparam("message_sid"),
           sa.case(STATUS_STEPS, value=_sms_statuses.c.status)
           < sa.bindparam("step", type_=sa.Integer))
    .values(status=sa.bindparam("new_status"), error_code=sa.bindparam("new_error_code"),
            updated_at=sa.bindparam("now"))
    .returning(_sms_statuses.c.sid))


def apply_status(*, sid: str, status: str, error_code: str | None = None) -> bool:
    """Move the SMS ``sid`` forward to ``status``; False when it is unknown, already there
    or further on. One conditional UPDATE, so two callbacks racing cannot move it back."""
    step = STATUS_STEPS.get(status)
    if step is None:
        return False
    # Bound names that are not column names: SQLAlchemy takes those as the SET's values.
    values = {"message_sid": sid, "step": step, "new_status": status,
              "new_error_code": error_code, "now": utcnow()}
    return len(driver.fetch(db.session.connection(), _MOVE_FORWARD, values)) == 1


# -- reply handlers ----------------------------------------------------------------------

#: ``handler(*, conversation, body, now) -> reply text`` ("" sends no reply).
ReplyHandler = Callable[..., str]

_reply_handlers: dict[str, ReplyHandler] = {}


def reply_handler(kind: str) -> Callable[[ReplyHandler], ReplyHandler]:
    """Register the function that answers replies to conversations of ``kind``."""

    def register(fn: ReplyHandler) -> ReplyHandler:
        _reply_handlers[kind] = fn
        return fn

    return register


def registered_reply_handlers() -> list[str]:
    return sorted(_reply_handlers)


@dataclass(frozen=True)
class Waiting:
    """One conversation for :func:`open_conversations`: what :func:`open_conversation`
    takes, but the kind."""

    person_id: int
    phone: str
    ref: str
    expires_at: datetime


def open_conversation(*, person_id: int, phone: str, kind: str, ref: str,
                      expires_at: datetime) -> Conversation:
    """Wait for an SMS reply from ``phone`` (E.164) until ``expires_at``; the reply goes to
    the ``@reply_handler(kind)`` with this conversation."""
    _check_opening(kind, Waiting(person_id, phone, ref, expires_at))
    conversation = Conversation(person_id=person_id, phone=phone, kind=kind, ref=ref,
                                expires_at=expires_at)
    db.session.add(conversation)
    db.session.flush()
    return conversation


def open_conversations(*, kind: str, waiting: Sequence[Waiting]) -> None:
    """:func:`open_conversation` for many of one ``kind``, in one INSERT (a due job's batch);
    nothing is stored if one of them is refused."""
    for one in waiting:
        _check_opening(kind, one)
    if waiting:
        db.session.execute(sa.insert(Conversation), [
            {"person_id": one.person_id, "phone": one.phone, "kind": kind, "ref": one.ref,
             "expires_at": one.expires_at} for one in waiting])


def _check_opening(kind: str, waiting: Waiting) -> None:
    if kind not in _reply_handlers:
        raise ValueError(f"no reply handler for conversation kind {kind!r}")
    if not is_e164(waiting.phone):
        raise ValueError("phone must be an E.164 number (+4791234567)")
    if waiting.expires_at <= utcnow():
        raise ValueError("a conversation must expire in the future")


def close_conversation(*, kind: str, ref: str, now: datetime | None = None) -> int:
    """Stop waiting for replies about ``ref``; how many open conversations were closed."""
    return close_conversations(kind=kind, refs=[ref], now=now)


def close_conversations(*, kind: str, refs: Collection[str], now: datetime | None = None) -> int:
    """:func:`close_conversation` for many ``refs`` of one ``kind``, in one UPDATE."""
    if not refs:
        return 0
    return db.session.execute(
        sa.update(Conversation)
        .where(Conversation.kind == kind, Conversation.ref.in_(refs),
               Conversation.closed_at.is_(None))
        .values(closed_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def waiting_conversation(*, phone: str, now: datetime) -> Conversation | None:
    """The newest open, unexpired conversation with ``phone``."""
    return db.session.scalar(
        sa.select(Conversation)
        .where(Conversation.phone == phone, Conversation.closed_at.is_(None),
               Conversation.expires_at > now)
        .order_by(Conversation.opened_at.desc(), Conversation.id.desc())
        .limit(1)
    )


# -- inbound SMS -------------------------------------------------------------------------

#: Twilio's own opt-out words, and the Norwegian ones (Twilio's Advanced Opt-Out can be
#: told them too). Only a message that is exactly the word counts.
OPT_OUT_WORDS = frozenset({"STOP", "STOPP", "AVSLUTT", "STOPALL", "UNSUBSCRIBE", "END",
                           "QUIT", "REVOKE", "OPTOUT", "CANCEL"})
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "HJELP", "INFO"})

REPLIES: dict[str, dict[str, str]] = {
    "nb": {
        "stopped": "Du får ikke flere SMS fra Min helse. Send START for å få dem igjen.",
        "started": "Du får SMS fra Min helse igjen. Send STOPP for å slutte.",
        "help": "Min helse sender varsler fra sykehuset. Send STOPP for å slutte å få SMS, "
                "START for å få dem igjen. Les meldingene dine på helsenorge.no.",
        "neutral": "Vi kan ikke svare på denne meldingen. Les meldingene dine på "
                   "helsenorge.no.",
    },
    "nn": {
        "stopped": "Du får ikkje fleire SMS frå Min helse. Send START for å få dei igjen.",
        "started": "Du får SMS frå Min helse igjen. Send STOPP for å slutte.",
        "help": "Min helse sender varsel frå sjukehuset. Send STOPP for å slutte å få SMS, "
                "START for å få dei igjen. Les meldingane dine på helsenorge.no.",
    },
    "en": {
        "stopped": "You will get no more text messages from Min helse. Send START to get "
                   "them again.",
        "started": "You will get text messages from Min helse again. Send STOP to stop.",
        "help": "Min helse sends notices from the hospital. Send STOP to stop text "
                "messages, START to get them again. Read your messages at helsenorge.no.",
    },
}
NEUTRAL_REPLY = REPLIES["nb"]["neutral"]

#: The actor of a keyword: whoever holds the number (we cannot tell who that is).
SMS_SENDER = Actor.system("sms-inbound")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
#: A reply that found its conversation closed by another at once looks again; each look
#: follows one reply that won (a handful at most from one phone in a second).
_CLAIM_ATTEMPTS = 5


def is_e164(phone: str) -> bool:
    return _E164.fullmatch(phone) is not None


def keyword_of(body: str, *, opt_out_type: str | None = None) -> str | None:
    """STOP, START or HELP when ``body`` is exactly such a word (any case, any surrounding
    white space), else None. Twilio's ``OptOutType`` (Advanced Opt-Out) wins."""
    if opt_out_type and opt_out_type.strip().upper() in ("STOP", "START", "HELP"):
        return opt_out_type.strip().upper()
    word = body.strip().upper()
    if word in OPT_OUT_WORDS:
        return "STOP"
    if word in OPT_IN_WORDS:
        return "START"
    if word in HELP_WORDS:
        return "HELP"
    return None


def handle_inbound(*, from_: str, body: str, opt_out_type: str | None = None,
                   now: datetime | None = None) -> str:
    """Act on one SMS from ``from_`` and return the text to answer with ("" for none)."""
    now = now or utcnow()
    phone = from_.strip()
    if not is_e164(phone):  # a short code or an alphanumeric sender: nobody to answer
        return NEUTRAL_REPLY
    keyword = keyword_of(body, opt_out_type=opt_out_type)
    if keyword == "STOP":
        _opt_out(phone, word=body.strip()[:20])
        return _reply(phone, "stopped")
    if keyword == "START":
        _opt_in(phone, word=body.strip()[:20])
        return _reply(phone, "started")
    if keyword == "HELP":
        return _reply(phone, "help")
    conversation = _claimed_conversation(phone, now=now)
    if conversation is None:
        return NEUTRAL_REPLY
    handler = _reply_handlers.get(conversation.kind)
    if handler is None:
        log.warning("no reply handler for an open conversation",
                    extra={"kind": conversation.kind, "conversation_id": conversation.id})
        return NEUTRAL_REPLY
    return handler(conversation=conversation, body=body, now=now)


def _claimed_conversation(phone: str, *, now: datetime) -> Conversation | None:
    """The conversation a reply from ``phone`` belongs to, locked until the reply's
    transaction ends: two replies at once (she answered two questions quickly, or Twilio
    delivered twice) are taken in turn. The second finds the first's conversation closed
    and takes the one it opened, as if it had come a second later."""
    for _ in range(_CLAIM_ATTEMPTS):
        found = waiting_conversation(phone=phone, now=now)
        if found is None:
            return None
        locked = db.session.scalar(
            sa.select(Conversation)
            .where(Conversation.id == found.id, Conversation.closed_at.is_(None))
            .with_for_update()
            .execution_options(populate_existing=True))
        if locked is not None:
            return locked
    return None


def _opt_out(phone: str, *, word: str) -> None:
    if db.session.get(SmsOptOut, phone) is not None:
        return
    db.session.add(SmsOptOut(phone=phone))
    db.session.flush()
    _audit(phone, reason=f"opted out of SMS by sending {word}")


def _opt_in(phone: str, *, word: str) -> None:
    opt_out = db.session.get(SmsOptOut, phone)
    if opt_out is None:
        return
    db.session.delete(opt_out)
    db.session.flush()
    _audit(phone, reason=f"opted in to SMS again by sending {word}")


def _audit(phone: str, *, reason: str) -> None:
    """One row per person the number belongs to (one without a subject for a number we do
    not know), so each person's trail shows why SMS stopped or started again."""
    for person_id in _people_with(phone) or [None]:
        audit.record(actor=SMS_SENDER, action="update", resource_type="SmsOptOut",
                     resource_id=phone, subject_person_id=person_id, purpose="self-service",
                     reason=reason)


def _people_with(phone: str) -> list[int]:
    return sorted(set(db.session.scalars(
        sa.select(Person.id).where(Person.mobile == phone)
        .union(sa.select(NotificationSettings.person_id)
               .where(NotificationSettings.mobile == phone))
    )))


def _reply(phone: str, key: str) -> str:
    return REPLIES[_language_of(phone)][key]


def _language_of(phone: str) -> str:
    people = _people_with(phone)
    if not people:
        return "nb"
    languages = set(db.session.execute(
        sa.select(sa.func.coalesce(NotificationSettings.language, Person.language))
        .select_from(Person)
        .outerjoin(NotificationSettings, NotificationSettings.person_id == Person.id)
        .where(Person.id.in_(people))
    ).scalars())
    language = languages.pop() if len(languages) == 1 else "nb"
    return language if language in REPLIES else "nb"
