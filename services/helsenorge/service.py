"""Send to helsenorge through the outbox; receive, verify and dispatch what it sends us."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from services.db import db
from services.helsenorge.envelope import Envelope, InvalidEnvelope
from services.helsenorge.gateway import helsenorge_settings
from services.helsenorge.models import InboundMessage
from services.outbox import enqueue, sender
from services.outbox.models import OutboxMessage

CHANNEL = "helsenorge"

#: ``handle(envelope) -> None`` per MessageFunction; runs in the receiving transaction and
#: raises :class:`RefusedMessage` for what it cannot take.
InboundHandler = Callable[[Envelope], None]
_handlers: dict[str, InboundHandler] = {}


class UntrustedMessage(PermissionError):
    """Wrong signature or wrong sender: refused, and nothing is stored."""


class UnknownMessageFunction(LookupError):
    """Nobody here handles this MessageFunction."""


class RefusedMessage(ValueError):
    """The handler cannot take what the message says (an answer that does not fit, a
    patient or case it does not know). Answered 422 and nothing of it is kept, not even its
    receipt: a redelivery is refused the same way."""


def send_to_helsenorge(*, message_function: str, payload: str, correlation_id: str,
                       dedupe_key: str, content_type: str = "application/fhir+json"
                       ) -> OutboxMessage:
    """Queue a message for helsenorge in the current transaction (sent after commit)."""
    return enqueue(channel=CHANNEL, dedupe_key=dedupe_key, payload={
        "message_function": message_function, "payload": payload,
        "correlation_id": correlation_id, "content_type": content_type,
    })


@sender(CHANNEL)
def _deliver(payload: dict[str, Any], message_id: int) -> str:
    return deliver_envelope(message_function=payload["message_function"],
                            payload=payload["payload"], correlation_id=payload["correlation_id"],
                            content_type=payload["content_type"], outbox_message_id=message_id)


def deliver_envelope(*, message_function: str, payload: str, correlation_id: str,
                     content_type: str, outbox_message_id: int) -> str:
    """Put one envelope on helsenorge's queue now (a channel's sender calls this); its
    MessageId. A channel of its own builds its payload when it sends (what must not be
    stored in the outbox, an identity number, is read then)."""
    settings = helsenorge_settings()
    envelope = Envelope(
        message_function=message_function, from_her_id=settings.our_her_id,
        to_her_id=settings.her_id,
        # Stable per outbox row, so a retried delivery carries the same MessageId.
        message_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"minhelse:outbox:{outbox_message_id}")),
        correlation_id=correlation_id, payload=payload, content_type=content_type,
        cpa_id=settings.cpa_id,
    )
    return settings.gateway.send(envelope)


def inbound_handler(message_function: str) -> Callable[[InboundHandler], InboundHandler]:
    """Register the owner of inbound messages with ``message_function``."""

    def register(fn: InboundHandler) -> InboundHandler:
        _handlers[message_function] = fn
        return fn

    return register


def signature_for(body: bytes) -> str:
    """The ``sha256=<hex>`` HMAC helsenorge sends with a message body."""
    digest = hmac.new(helsenorge_settings().inbound_secret, body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass(frozen=True)
class Receipt:
    correlation_id: str
    duplicate: bool


#: The envelope's fields kept in ``InboundMessage``, each under the column of the same name.
_RECORDED = ("correlation_id", "message_id", "message_function", "from_her_id")


def _fits_the_record(envelope: Envelope) -> None:
    columns = InboundMessage.__table__.columns
    for name in _RECORDED:
        limit = columns[name].type.length
        if len(getattr(envelope, name)) > limit:
            raise InvalidEnvelope(f"{name} is longer than {limit} characters")


def receive(*, body: bytes, signature: str | None) -> Receipt:
    """Verify and dispatch one inbound envelope; the same CorrelationId twice is handled once."""
    # Compared as bytes: compare_digest refuses str with non-ASCII characters.
    if not signature or not hmac.compare_digest(signature.encode(),
                                                signature_for(body).encode()):
        raise UntrustedMessage("signature missing or wrong")
    envelope = Envelope.from_xml(body)
    _fits_the_record(envelope)
    settings = helsenorge_settings()
    if envelope.from_her_id != settings.her_id or envelope.to_her_id != settings.our_her_id:
        raise UntrustedMessage("message is not from helsenorge to us")
    handler = _handlers.get(envelope.message_function)
    if handler is None:
        raise UnknownMessageFunction(envelope.message_function)
    seen = db.session.scalar(sa.select(InboundMessage.id).where(
        InboundMessage.correlation_id == envelope.correlation_id))
    if seen is not None:
        return Receipt(envelope.correlation_id, duplicate=True)
    try:
        with db.session.begin_nested():
            db.session.add(InboundMessage(correlation_id=envelope.correlation_id,
                                          message_id=envelope.message_id,
                                          message_function=envelope.message_function,
                                          from_her_id=envelope.from_her_id))
    except sa.exc.IntegrityError:  # the same message, received concurrently
        return Receipt(envelope.correlation_id, duplicate=True)
    handler(envelope)
    return Receipt(envelope.correlation_id, duplicate=False)
