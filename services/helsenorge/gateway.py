"""Where outbound envelopes go: the HTTP queue, or the log in development."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import requests

from services.helsenorge.envelope import Envelope
from services.outbox import PermanentFailure, TemporaryFailure

log = logging.getLogger(__name__)


class HelsenorgeGateway(Protocol):
    def send(self, envelope: Envelope) -> str:
        """Put ``envelope`` on helsenorge's queue; return its MessageId."""


@dataclass(frozen=True)
class HttpQueueGateway:
    """POST ``<AMQPMessage>`` to ``<queue_url>/<queue>`` (Helsenorge.Messaging HTTP.md)."""

    queue_url: str
    queue: str
    timeout: float = 10.0

    def send(self, envelope: Envelope) -> str:
        url = f"{self.queue_url.rstrip('/')}/{self.queue}"
        try:
            response = requests.post(url, data=envelope.to_xml(), timeout=self.timeout,
                                     headers={"Content-Type": "application/xml"})
        except requests.RequestException as exc:
            raise TemporaryFailure(f"helsenorge queue unreachable ({type(exc).__name__})") from exc
        if response.status_code in (408, 429) or response.status_code >= 500:
            raise TemporaryFailure(f"helsenorge queue answered {response.status_code}")
        if response.status_code >= 400:
            raise PermanentFailure(f"helsenorge queue refused the message: {response.status_code}")
        return envelope.message_id


class LoggingGateway:
    """Development stand-in: log that a message would have left (without its payload)."""

    def send(self, envelope: Envelope) -> str:
        log.info("helsenorge message (not sent: no HELSENORGE_QUEUE_URL)",
                 extra={"message_function": envelope.message_function,
                        "correlation_id": envelope.correlation_id})
        return envelope.message_id


@dataclass(frozen=True)
class HelsenorgeSettings:
    our_her_id: str
    her_id: str
    cpa_id: str | None
    inbound_secret: bytes
    gateway: HelsenorgeGateway


_settings: HelsenorgeSettings | None = None


def configure_helsenorge(*, queue_url: str | None, outbound_queue: str, our_her_id: str,
                         her_id: str, cpa_id: str | None, inbound_secret: str) -> None:
    """Set addresses, the inbound secret and the gateway; the app factory calls this."""
    global _settings
    gateway = (HttpQueueGateway(queue_url=queue_url, queue=outbound_queue) if queue_url
               else LoggingGateway())
    _settings = HelsenorgeSettings(our_her_id=our_her_id, her_id=her_id, cpa_id=cpa_id,
                                   inbound_secret=inbound_secret.encode(), gateway=gateway)


def helsenorge_settings() -> HelsenorgeSettings:
    if _settings is None:
        raise RuntimeError("helsenorge is not configured")
    return _settings
