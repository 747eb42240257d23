"""SMS through Twilio's REST API (the official ``twilio`` package), as an ``SmsTransport``.

Twilio answers the create with the message's SID and first status (``queued``, or
``accepted`` through a Messaging Service); that first status gets no callback, so it is
stored here, in the worker's transaction, as the message's ``SmsStatus``. Later statuses
arrive at ``STATUS_CALLBACK_PATH`` (``services/notify/inbound.py``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import sqlalchemy as sa
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from services import driver
from services.clock import utcnow
from services.db import db
from services.notify.models import SmsOptOut, SmsStatus
from services.outbox import PermanentFailure, TemporaryFailure

log = logging.getLogger(__name__)

#: Where the Messages API is unless ``api_base_url`` says otherwise.
TWILIO_API_URL = "https://api.twilio.com"
#: Where Twilio posts status callbacks; the web side (citizen/webhooks) serves it.
STATUS_CALLBACK_PATH = "/webhooks/twilio/status"
#: Connect and read timeout of one API call. A worker stuck on a silent socket delivers
#: nothing else; the outbox retries a timed-out send like any other temporary failure.
TIMEOUT_SECONDS = 10.0
#: A 429's Retry-After is honoured up to this; a longer wish would park the message for
#: longer than the outbox's own longest backoff.
MAX_RETRY_AFTER = timedelta(hours=1)

#: Twilio's error codes for a message that can never go, in words without the number.
PERMANENT_CODES = {
    21211: "invalid 'To' number",
    21610: "the number has opted out (STOP)",
    21614: "not a mobile number",
}
OPTED_OUT = 21610

# Twilio's HTTP client logs two INFO lines per request; for every SMS that is noise.
_http_log = logging.getLogger(f"{__name__}.http")
_http_log.setLevel(logging.WARNING)


_statuses = SmsStatus.__table__
#: Stored for every SMS sent: compiled once, on the driver's cursor on PostgreSQL.
_FIRST_STATUS = (sa.insert(_statuses)
                 .values(outbox_message_id=sa.bindparam("message_id"), sid=sa.bindparam("sid"),
                         status=sa.bindparam("status"), updated_at=sa.bindparam("now"))
                 .returning(_statuses.c.outbox_message_id))


class _HeaderKeepingHttpClient(TwilioHttpClient):
    """Twilio's HTTP client, remembering each thread's last response headers: an error
    becomes a ``TwilioRestException`` without them, and a 429's ``Retry-After`` is there.

    The environment's proxy and CA-bundle settings (``HTTPS_PROXY``, ``NO_PROXY``,
    ``REQUESTS_CA_BUNDLE``) are read once, for the one host it talks to: requests would
    scan the whole environment on every call, a tenth of the CPU of sending an SMS.
    """

    def __init__(self, *, timeout: float, base_url: str) -> None:
        # No retries of its own: the outbox owns retries, with backoff and a dead letter.
        found = requests.Session().merge_environment_settings(base_url, {}, None, None, None)
        super().__init__(timeout=timeout, logger=_http_log, proxy=found["proxies"])
        self.session.trust_env = False
        self.session.verify = found["verify"]
        self._last = threading.local()

    def request(self, *args: Any, **kwargs: Any):
        self._last.headers = {}
        response = super().request(*args, **kwargs)
        self._last.headers = response.headers or {}
        return response

    def last_headers(self) -> Mapping[str, str]:
        return getattr(self._last, "headers", {})


class TwilioTransport:
    """Send SMS with Twilio; ``send_sms`` returns the message SID."""

    def __init__(self, *, client: Client, http_client: _HeaderKeepingHttpClient,
                 status_callback: str, from_: str | None = None,
                 messaging_service_sid: str | None = None) -> None:
        if not (from_ or messaging_service_sid):
            raise ValueError("Twilio needs a sender: from_ or messaging_service_sid")
        self._messages = client.messages
        self._http = http_client
        self._status_callback = status_callback
        # A Messaging Service picks the sender from its pool and applies its opt-out rules;
        # with one configured, From is not sent.
        self._sender = ({"messaging_service_sid": messaging_service_sid}
                        if messaging_service_sid else {"from_": from_})

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, status_callback: str,
                    timeout: float = TIMEOUT_SECONDS) -> TwilioTransport:
        """Build from ``app.config["NOTIFY"]["twilio"]``: the account SID with the auth token,
        or with an API key and its secret; ``api_base_url`` replaces Twilio's hosts."""
        account_sid = config.get("account_sid")
        if not account_sid:
            raise ValueError("Twilio needs account_sid")
        if config.get("api_key") and config.get("api_secret"):
            username, password = config["api_key"], config["api_secret"]
        elif config.get("auth_token"):
            username, password = account_sid, config["auth_token"]
        else:
            raise ValueError("Twilio needs auth_token, or api_key and api_secret")
        base_url = (config.get("api_base_url") or "").rstrip("/")
        http_client = _HeaderKeepingHttpClient(timeout=timeout,
                                               base_url=base_url or TWILIO_API_URL)
        client = Client(username, password, account_sid, http_client=http_client)
        if base_url:
            # edge/region only rewrite *.twilio.com host names; these point anywhere.
            client.api.base_url = base_url
            client.messaging.base_url = base_url
        return cls(client=client, http_client=http_client, status_callback=status_callback,
                   from_=config.get("from_"),
                   messaging_service_sid=config.get("messaging_service_sid"))

    def send_sms(self, *, to: str, body: str, message_id: int) -> str:
        """Hand the SMS to Twilio and note its first status; the caller's transaction keeps
        it. Raises ``PermanentFailure`` or ``TemporaryFailure`` for the outbox."""
        try:
            message = self._messages.create(to=to, body=body,
                                            status_callback=self._status_callback,
                                            **self._sender)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise self._failure(exc, to=to) from None
        except requests.RequestException as exc:
            # Refused, reset, timed out, or cut off mid-answer: whether Twilio took it is
            # unknown, and trying again is the at-least-once promise.
            raise TemporaryFailure(f"Twilio unreachable: {type(exc).__name__}") from None
        driver.fetch(db.session.connection(), _FIRST_STATUS,
                     {"message_id": message_id, "sid": message.sid,
                      "status": str(message.status or "queued"), "now": utcnow()})
        return message.sid

    def _failure(self, exc: TwilioRestException | TwilioServiceException, *,
                 to: str) -> PermanentFailure | TemporaryFailure:
        status, code = exc.status, _code_of(exc)
        if status == 429:
            retry_after = parse_retry_after(self._http.last_headers().get("Retry-After"))
            return TemporaryFailure(f"Twilio {code}: too many requests",
                                    retry_after=retry_after)
        if status >= 500:
            return TemporaryFailure(f"Twilio {code}: server error (HTTP {status})")
        if code == OPTED_OUT:
            _mirror_opt_out(to)
        # Twilio's own message names the number; ours never does.
        reason = PERMANENT_CODES.get(code, f"refused (HTTP {status})")
        return PermanentFailure(f"Twilio {code}: {reason}")


def _code_of(exc: TwilioRestException | TwilioServiceException) -> int | None:
    try:
        return int(exc.code) if exc.code is not None else None
    except (TypeError, ValueError):
        return None


def _mirror_opt_out(phone: str) -> None:
    """Twilio says the number sent STOP: our table says so too, so it is not tried again."""
    if db.session.get(SmsOptOut, phone) is None:
        db.session.add(SmsOptOut(phone=phone))
        log.info("number opted out at Twilio; mirrored")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> timedelta | None:
    """``Retry-After`` as seconds or an HTTP-date, capped at ``MAX_RETRY_AFTER``; None when
    absent or unreadable (the outbox's backoff then decides)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT
            when = when.replace(tzinfo=UTC)
        wait = max(when - (now or utcnow()), timedelta(0))
    return min(wait, MAX_RETRY_AFTER)
