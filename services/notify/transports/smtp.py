"""E-mail by SMTP: ``SMTP_URL`` is ``smtp://user:password@host:587`` (STARTTLS whenever the
server offers it) or ``smtps://...:465`` (TLS from the first byte).

Each message is multipart/alternative (text, then HTML) and its Message-ID is made from the
outbox message's id, so the one repeat that at-least-once delivery allows reaches the
receiver with the same Message-ID and can be recognised as the same message.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import unquote, urlsplit

from services.outbox import PermanentFailure, TemporaryFailure

#: Mail submission (RFC 6409) for smtp://, submissions (RFC 8314) for smtps://.
DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
#: Seconds for connecting and for each reply; a server slower than this is retried later.
DEFAULT_TIMEOUT = 20.0
#: Anything shaped like an e-mail address, with or without the angle brackets servers use.
_ADDRESS = re.compile(r"<[^<>\s]*>|[^\s<>@]+@[^\s<>@]+")


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    from_: str
    implicit_tls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    #: Whom to trust for TLS; None: the system's certificate authorities.
    tls: ssl.SSLContext | None = None

    @classmethod
    def from_config(cls, *, url: str, from_: str, timeout: float = DEFAULT_TIMEOUT,
                    tls: ssl.SSLContext | None = None) -> SmtpTransport:
        """The transport ``SMTP_URL`` describes; ValueError for a URL it cannot use."""
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError("SMTP_URL must be smtp://[user:password@]host[:port] or smtps://...")
        if not parseaddr(from_)[1]:
            raise ValueError("SMTP_FROM must name an address")
        return cls(host=parts.hostname, port=parts.port or DEFAULT_PORTS[parts.scheme],
                   from_=from_, implicit_tls=parts.scheme == "smtps",
                   username=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None,
                   timeout=timeout, tls=tls)

    def send_email(self, *, to: str, subject: str, text: str, html: str,
                   message_id: int) -> str:
        """Hand the message to the server; the Message-ID it carries is the external id."""
        try:
            message = self.compose(to=to, subject=subject, text=text, html=html,
                                   message_id=message_id)
        except ValueError:  # a line break in a header: never sendable
            raise PermanentFailure("the message cannot be put in an e-mail header") from None
        try:
            with self._session() as smtp:
                smtp.send_message(message, from_addr=parseaddr(self.from_)[1], to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _refusal(code, reply) from None
        except smtplib.SMTPAuthenticationError as exc:
            # Our credentials, not this message: retried (and dead after the outbox's
            # attempts) rather than failing every message for good at once.
            raise TemporaryFailure(f"SMTP login refused: {_reason(exc.smtp_code, exc.smtp_error)}"
                                   ) from None
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, ...
            raise _refusal(exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, TLS, hung up
            raise TemporaryFailure(f"SMTP connection failed: {type(exc).__name__}: "
                                   f"{_without_addresses(str(exc))}"[:300]) from None
        return message["Message-ID"]

    def compose(self, *, to: str, subject: str, text: str, html: str,
                message_id: int) -> EmailMessage:
        """The message as it goes on the wire: text and HTML alternatives."""
        message = EmailMessage()
        message["From"] = self.from_
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = message_id_for(message_id, from_=self.from_)
        # RFC 3834: machines (vacation responders) must not answer it.
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message

    def _session(self) -> smtplib.SMTP:
        context = self.tls or ssl.create_default_context()
        if self.implicit_tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                  context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            encrypted = self.implicit_tls
            if not encrypted and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
                encrypted = True
            if self.username:
                if not encrypted:
                    raise TemporaryFailure("the SMTP server offers no TLS: the password is "
                                           "not sent in the clear")
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def message_id_for(message_id: int, *, from_: str) -> str:
    """``<outbox-42@sender's domain>``: the same outbox row always gives the same id."""
    _local, at, domain = parseaddr(from_)[1].rpartition("@")
    return f"<outbox-{message_id}@{domain if at and domain else 'localhost'}>"


def _refusal(code: int, reply: bytes | str) -> PermanentFailure | TemporaryFailure:
    """5xx is the server's final word; 4xx (and anything odd) may pass later."""
    reason = f"SMTP {_reason(code, reply)}"
    if 500 <= code < 600:
        return PermanentFailure(reason)
    return TemporaryFailure(reason)


def _reason(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {_without_addresses(text)}"[:300]


def _without_addresses(text: str) -> str:
    """Servers echo the recipient back (``<kari@example.no>: mailbox unavailable``)."""
    return _ADDRESS.sub("<address>", text)
