"""The SMTP transport against a real SMTP server on loopback (aiosmtpd): what goes on the
wire, TLS (STARTTLS offered, implicit), logins, and which refusals are final."""

from __future__ import annotations

import socket
import ssl
import time

import pytest

from services.notify.transports.smtp import SmtpTransport, message_id_for
from services.outbox import PermanentFailure, TemporaryFailure
from tests.standins.smtp_server import SmtpServer, self_signed_certificate

FROM = "Min helse <ikke-svar@minhelse.example>"
TO = "kari.nordmann@example.no"
MESSAGE = {"to": TO, "subject": "Ny melding", "html": "<p>Du har fått en ny melding.</p>",
           "text": "Du har fått en ny melding fra St. Olavs hospital."}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def trusting(certificate) -> ssl.SSLContext:
    """A client context that trusts the test's certificate (and only it)."""
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.fixture
def start_server():
    started: list[SmtpServer] = []

    def start(**options) -> SmtpServer:
        server = SmtpServer(**options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def transport(url: str, **options) -> SmtpTransport:
    return SmtpTransport.from_config(url=url, from_=FROM, **options)


def test_a_message_is_text_and_html_alternatives_with_a_message_id_from_the_outbox_row(
        start_server):
    server = start_server()

    external_id = transport(f"smtp://127.0.0.1:{server.port}").send_email(
        **MESSAGE, message_id=42)

    [received] = server.received
    assert external_id == "<outbox-42@minhelse.example>" == received.message["Message-ID"]
    assert received.mail_from == "ikke-svar@minhelse.example"
    assert received.rcpt_tos == [TO]
    message = received.message
    assert (message["From"], message["To"], message["Subject"]) == (FROM, TO, "Ny melding")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert text.get_content().strip() == MESSAGE["text"]
    assert html.get_content_type() == "text/html"
    assert html.get_content().strip() == MESSAGE["html"]
    assert not received.encrypted  # nothing offered STARTTLS, and no password to protect


def test_the_same_outbox_row_sent_again_carries_the_same_message_id(start_server):
    server = start_server()
    smtp = transport(f"smtp://127.0.0.1:{server.port}")

    first = smtp.send_email(**MESSAGE, message_id=7)
    second = smtp.send_email(**MESSAGE, message_id=7)

    assert first == second
    assert [r.message["Message-ID"] for r in server.received] == [first, first]
    assert smtp.send_email(**MESSAGE, message_id=8) != first


def test_starttls_is_used_when_the_server_offers_it(start_server, certificate, trusting):
    server = start_server(cert=certificate, starttls=True, logins={"minhelse": "hemmelig"})

    transport(f"smtp://minhelse:hemmelig@127.0.0.1:{server.port}", tls=trusting).send_email(
        **MESSAGE, message_id=1)

    [received] = server.received
    assert received.encrypted
    assert received.login == "minhelse"


def test_starttls_checks_the_servers_certificate(start_server, certificate):
    server = start_server(cert=certificate, starttls=True)

    with pytest.raises(TemporaryFailure, match="SSLCertVerificationError"):
        transport(f"smtp://127.0.0.1:{server.port}").send_email(**MESSAGE, message_id=1)
    assert server.received == []


def test_smtps_speaks_tls_from_the_first_byte(start_server, certificate, trusting):
    server = start_server(cert=certificate, implicit_tls=True)

    transport(f"smtps://127.0.0.1:{server.port}", tls=trusting).send_email(
        **MESSAGE, message_id=3)

    [received] = server.received
    assert received.encrypted


def test_a_password_is_never_sent_to_a_server_that_offers_no_tls(start_server):
    server = start_server()

    with pytest.raises(TemporaryFailure, match="offers no TLS"):
        transport(f"smtp://minhelse:hemmelig@127.0.0.1:{server.port}").send_email(
            **MESSAGE, message_id=1)
    assert server.received == []


def test_a_refused_login_is_retried_not_final(start_server, certificate, trusting):
    server = start_server(cert=certificate, starttls=True, logins={"minhelse": "hemmelig"})

    with pytest.raises(TemporaryFailure, match="login refused: 535"):
        transport(f"smtp://minhelse:feil@127.0.0.1:{server.port}", tls=trusting).send_email(
            **MESSAGE, message_id=1)
    assert server.received == []


@pytest.mark.parametrize(("reply", "final"), [
    ("550 5.1.1 <kari.nordmann@example.no>: Recipient address rejected: mailbox unavailable",
     True),
    ("553 5.1.3 kari.nordmann@example.no: mailbox name not allowed", True),
    ("451 4.3.0 <kari.nordmann@example.no>: temporary lookup failure", False),
    ("452 4.2.2 mailbox full", False),
])
def test_a_refused_recipient_is_final_for_5xx_and_retried_for_4xx(start_server, reply, final):
    server = start_server()
    server.refuse_rcpt.append(reply)

    with pytest.raises(PermanentFailure if final else TemporaryFailure) as refused:
        transport(f"smtp://127.0.0.1:{server.port}").send_email(**MESSAGE, message_id=1)

    reason = str(refused.value)
    assert reason.startswith(f"SMTP {reply[:3]} ")
    assert "example.no" not in reason and "kari" not in reason
    assert server.received == []


@pytest.mark.parametrize(("reply", "error"), [
    ("554 5.7.1 message refused as spam", PermanentFailure),
    ("421 4.7.0 try again later", TemporaryFailure),
])
def test_a_refused_message_body_follows_the_same_rule(start_server, reply, error):
    server = start_server()
    server.refuse_data.append(reply)

    with pytest.raises(error, match=f"^SMTP {reply[:3]} "):
        transport(f"smtp://127.0.0.1:{server.port}").send_email(**MESSAGE, message_id=1)


def test_no_server_listening_is_retried():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there

    with pytest.raises(TemporaryFailure, match="connection failed: ConnectionRefusedError"):
        transport(f"smtp://127.0.0.1:{port}").send_email(**MESSAGE, message_id=1)


def test_a_server_that_says_nothing_times_out_and_is_retried():
    with socket.socket() as silent:  # accepts the connection, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        with pytest.raises(TemporaryFailure, match=r"timed out|TimeoutError"):
            transport(f"smtp://127.0.0.1:{silent.getsockname()[1]}", timeout=0.5).send_email(
                **MESSAGE, message_id=1)
        assert time.monotonic() - started < 5


def test_a_line_break_in_a_header_is_never_sendable(start_server):
    server = start_server()

    with pytest.raises(PermanentFailure):
        transport(f"smtp://127.0.0.1:{server.port}").send_email(
            **{**MESSAGE, "subject": "Ny melding\r\nBcc: alle@example.no"}, message_id=1)
    assert server.received == []


def test_the_url_names_host_port_tls_and_a_login_with_escaped_characters():
    smtp = transport("smtps://bruker%40firma:p%C3%A5%3A%2F@smtp.example.no")
    assert (smtp.host, smtp.port, smtp.implicit_tls) == ("smtp.example.no", 465, True)
    assert (smtp.username, smtp.password) == ("bruker@firma", "på:/")
    plain = transport("smtp://smtp.example.no:2525")
    assert (plain.port, plain.implicit_tls, plain.username) == (2525, False, None)
    assert transport("smtp://smtp.example.no").port == 587


@pytest.mark.parametrize("url", ["http://smtp.example.no", "smtp://", "smtp.example.no:25"])
def test_a_url_it_cannot_use_is_refused_at_configuration(url):
    with pytest.raises(ValueError, match="SMTP_URL"):
        transport(url)


def test_the_message_id_falls_back_to_localhost_for_a_sender_without_a_domain():
    assert message_id_for(5, from_="Min helse <ikke-svar@minhelse.example>") == \
        "<outbox-5@minhelse.example>"
    assert message_id_for(5, from_="postmaster") == "<outbox-5@localhost>"


def test_an_email_from_the_outbox_reaches_the_server_through_the_email_channel(
        start_server, db):
    """Configured as SMTP_URL is, the email channel hands the outbox row to the server, and
    a 550 for the next one leaves it dead with the reason and no address."""
    from services.notify import transports
    from services.outbox.models import OutboxStatus
    from services.outbox.service import claim, deliver_claimed, enqueue

    server = start_server()
    transports.configure({"smtp_url": f"smtp://127.0.0.1:{server.port}", "smtp_from": FROM},
                         public_base_url="http://minhelse.test")
    payload = {"to": TO, "subject": MESSAGE["subject"], "text": MESSAGE["text"],
               "html": MESSAGE["html"]}
    first = enqueue(channel="email", payload=payload, dedupe_key="smtp:1")
    refused = enqueue(channel="email", payload=payload, dedupe_key="smtp:2")

    delivered = deliver_claimed(message=claim(message_id=first.id))
    server.refuse_rcpt.append("550 5.1.1 <kari.nordmann@example.no>: mailbox unavailable")
    dead = deliver_claimed(message=claim(message_id=refused.id))

    assert delivered.status is OutboxStatus.SENT
    assert first.external_id == f"<outbox-{first.id}@minhelse.example>"
    [received] = server.received
    assert received.message["Subject"] == "Ny melding"
    assert dead.status is OutboxStatus.DEAD
    assert refused.last_error.startswith("SMTP 550 5.1.1 <address>")
