"""A real SMTP server on loopback (aiosmtpd): what it received, replies it can be told to
give, STARTTLS or implicit TLS with a certificate made for the test, and AUTH."""

from __future__ import annotations

import asyncio
import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    #: Whether the session was encrypted when the message came.
    encrypted: bool
    login: str | None


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself: (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """``starttls``: offer STARTTLS; ``implicit_tls``: TLS from the first byte; ``logins``:
    accepted user → password (AUTH is then offered, over TLS only)."""

    def __init__(self, *, cert: tuple[Path, Path] | None = None, starttls: bool = False,
                 implicit_tls: bool = False, logins: dict[str, str] | None = None) -> None:
        self.received: list[Received] = []
        #: Replies to RCPT TO instead of accepting ("550 5.1.1 <a@b>: no such user").
        self.refuse_rcpt: deque[str] = deque()
        #: Replies to DATA instead of accepting.
        self.refuse_data: deque[str] = deque()
        self.logins = logins or {}
        tls = None
        if cert is not None:
            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.load_cert_chain(*cert)
        server_kwargs = {"tls_context": tls} if starttls else {}
        if self.logins:
            server_kwargs["authenticator"] = self._authenticate
        self.port = _free_port()
        # Our own loop, so that stopping can close it (the controller leaves its own open).
        self._loop = asyncio.new_event_loop()
        self._controller = Controller(
            _Handler(self), loop=self._loop, hostname="127.0.0.1", port=self.port,
            ssl_context=tls if implicit_tls else None, **server_kwargs)

    def _authenticate(self, server, session, envelope, mechanism, data) -> AuthResult:
        if isinstance(data, LoginPassword) and self.logins.get(
                data.login.decode()) == data.password.decode():
            return AuthResult(success=True, auth_data=data.login.decode())
        return AuthResult(success=False, handled=False)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
        self._loop.close()


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.server.refuse_rcpt:
            return self.server.refuse_rcpt.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.server.refuse_data:
            return self.server.refuse_data.popleft()
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        login = session.auth_data if session.authenticated else None
        self.server.received.append(Received(
            mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos), message=message,
            # session.ssl: after STARTTLS; the transport's: TLS from the first byte
            encrypted=(session.ssl is not None
                       or server.transport.get_extra_info("sslcontext") is not None),
            login=login))
        return "250 Message accepted"
