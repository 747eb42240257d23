"""The outbox channels ``sms`` and ``email``: look the address up again, refuse what can
never go, and hand the message to the configured transport.

A payload names a person (the address is found now: people change numbers) or, for the
operator's test, carries ``to``. Refused for good (``PermanentFailure``, never reaching the
transport): an invalid number or address, a number that answered STOP, a person reserved
in KRR (a paper letter is recorded), nobody to send to. KRR not answering is a
``TemporaryFailure``: the outbox tries again later.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from services import driver
from services.db import db
from services.notify import contacts, transports
from services.notify.addresses import InvalidEmail, InvalidNumber, normalise_email, normalise_mobile
from services.notify.models import Notification, SmsOptOut
from services.notify.paper import record_paper
from services.outbox import PermanentFailure, sender
from services.people.models import Person

log = logging.getLogger(__name__)


#: Asked before every SMS: compiled once, on the driver's cursor on PostgreSQL.
_OPTED_OUT = sa.select(SmsOptOut.phone).where(SmsOptOut.phone == sa.bindparam("phone"))


@sender("sms")
def send_sms(payload: dict[str, Any], message_id: int) -> str:
    raw = payload["to"] if "to" in payload else _address_of(payload, message_id, "mobile")
    try:
        number = normalise_mobile(raw)
    except InvalidNumber as exc:
        raise PermanentFailure(f"{exc} (not sent)") from None
    if driver.fetch(db.session.connection(), _OPTED_OUT, {"phone": number}):
        raise PermanentFailure("opted out")
    return transports.installed().sms.send_sms(to=number, body=payload["body"],
                                               message_id=message_id)


@sender("email")
def send_email(payload: dict[str, Any], message_id: int) -> str:
    raw = payload["to"] if "to" in payload else _address_of(payload, message_id, "email")
    try:
        address = normalise_email(raw)
    except InvalidEmail as exc:
        raise PermanentFailure(f"{exc} (not sent)") from None
    return transports.installed().email.send_email(
        to=address, subject=payload["subject"], text=payload["text"], html=payload["html"],
        message_id=message_id)


def _address_of(payload: dict[str, Any], message_id: int, kind: str) -> str:
    person = db.session.get(Person, payload["person_id"])
    if person is None:
        raise PermanentFailure("the person is no longer registered")
    found = contacts.resolve(person)  # KrrUnavailable is a TemporaryFailure
    if not found.reachable:
        _record_letter(message_id)
        raise PermanentFailure("reserved against digital contact in KRR" if found.reserved
                               else "no address left to send to: a letter is needed")
    address = getattr(found, kind)
    if address is None:
        raise PermanentFailure(f"no {'mobile number' if kind == 'mobile' else 'e-mail address'}"
                               " any more")
    return address


def _record_letter(message_id: int) -> None:
    decided = db.session.scalar(sa.select(Notification).where(
        Notification.outbox_message_id == message_id))
    if decided is None:
        return
    record_paper(key=decided.dedupe_key.rsplit(":", 1)[0], person_id=decided.person_id,
                 event=decided.event, organisation_id=decided.organisation_id,
                 actor=decided.actor, urgent=decided.urgent)
    log.info("a letter is needed instead", extra={"message_id": message_id,
                                                  "notification_id": decided.id})
