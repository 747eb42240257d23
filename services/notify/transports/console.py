"""The embedded default's transport: messages are stored (``console_messages``) and listed
on the development page, never sent. One log line each, without the body or the address."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from services.db import db
from services.notify.models import ConsoleMessage

log = logging.getLogger(__name__)


class ConsoleTransport:
    def send_sms(self, *, to: str, body: str, message_id: int) -> str:
        return _store(channel="sms", to=to, subject=None, body=body, message_id=message_id)

    def send_email(self, *, to: str, subject: str, text: str, html: str,
                   message_id: int) -> str:
        return _store(channel="email", to=to, subject=subject, body=text,
                      message_id=message_id)


def _store(*, channel: str, to: str, subject: str | None, body: str, message_id: int) -> str:
    # A delivery repeated after a lost outcome finds its row: one message, one row.
    stored = db.session.scalar(sa.select(ConsoleMessage).where(
        ConsoleMessage.outbox_message_id == message_id))
    if stored is None:
        stored = ConsoleMessage(outbox_message_id=message_id, channel=channel, to=to,
                                subject=subject[:200] if subject else None, body=body)
        db.session.add(stored)
        db.session.flush()
        log.info("console %s stored (not sent)", channel,
                 extra={"message_id": message_id, "console_message_id": stored.id})
    return f"console-{stored.id}"
