"""The contract between the channels and the outside, and the choice of transport.

A transport raises ``outbox.PermanentFailure`` when a message can never go (Twilio 21211
invalid number, 21610 opted out, 21614 not a mobile, any other 4xx) and
``outbox.TemporaryFailure(retry_after=...)`` when it may later (5xx, 429, connection
errors); the outbox owns backoff and dead letters. ``to`` is E.164 for SMS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class SmsTransport(Protocol):
    def send_sms(self, *, to: str, body: str, message_id: int) -> str:
        """Send; return the receiver's id for the message (Twilio's SID)."""
        ...


class EmailTransport(Protocol):
    def send_email(self, *, to: str, subject: str, text: str, html: str,
                   message_id: int) -> str:
        """Send multipart text + HTML; return the message's id (its Message-ID)."""
        ...


@dataclass(frozen=True)
class Transports:
    sms: SmsTransport
    email: EmailTransport


_transports: Transports | None = None


def configure(notify_config: Mapping[str, Any], *, public_base_url: str) -> Transports:
    """Twilio as soon as ``twilio.account_sid`` is set, SMTP as soon as ``smtp_url`` is,
    the console otherwise. The real transports are imported only when configured."""
    from services.notify.transports.console import ConsoleTransport

    console = ConsoleTransport()
    twilio = notify_config.get("twilio") or {}
    sms: SmsTransport = console
    email: EmailTransport = console
    if twilio.get("account_sid"):
        from services.notify.transports.twilio import TwilioTransport

        sms = TwilioTransport.from_config(
            twilio, status_callback=f"{public_base_url.rstrip('/')}/webhooks/twilio/status")
    if notify_config.get("smtp_url"):
        from services.notify.transports.smtp import SmtpTransport

        email = SmtpTransport.from_config(url=notify_config["smtp_url"],
                                          from_=notify_config["smtp_from"])
    return install(sms=sms, email=email)


def install(*, sms: SmsTransport, email: EmailTransport) -> Transports:
    """Use these transports from now on (``configure`` does; tests and benchmarks too)."""
    global _transports
    _transports = Transports(sms=sms, email=email)
    return _transports


def installed() -> Transports:
    if _transports is None:
        raise RuntimeError("notification transports are not configured")
    return _transports
