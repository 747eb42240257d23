"""The sms and email channels through the outbox worker task: against the console transport
and a fake one, with every refusal that must never reach a transport."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from celery.exceptions import Retry

from services.actors import Actor
from services.db import db as _db
from services.notify import krr, transports
from services.notify.models import ConsoleMessage, Notification, Outcome, SmsOptOut
from services.notify.service import notify, send_test_message
from services.notify.settings import update_settings
from services.notify.transports.console import ConsoleTransport
from services.outbox import PermanentFailure, TemporaryFailure
from services.outbox.models import OutboxMessage, OutboxStatus
from services.outbox.tasks import deliver
from services.people.service import national_id_of
from tests.plugins.db import table_rows
from tests.services.notify.helpers import person_with, trust_and_unit
from tests.standins.krr import KrrServer

SERVICE = Actor.system("hospital-record-system")


@pytest.fixture(autouse=True)
def _rules(notify_rules, frozen_clock):
    pass


@pytest.fixture
def console(app):
    transport = ConsoleTransport()
    transports.install(sms=transport, email=transport)
    return transport


@pytest.fixture
def krr_server(app):
    with KrrServer() as server:
        krr.configure_krr(url=server.url)
        yield server


def _queued(person, *, key="k", organisation_id=None, channels=None):
    if channels:
        update_settings(person_id=person.id, actor=Actor.person(person.id), channels=channels)
    decided = notify(person_id=person.id, event="notify.new-message", context={},
                     actor=SERVICE, key=key, organisation_id=organisation_id)
    _db.session.commit()
    return [_db.session.get(OutboxMessage, n.outbox_message_id) for n in decided]


def _status(message):
    return _db.session.get(OutboxMessage, message.id, populate_existing=True)


# -- the console transport ---------------------------------------------------------------

def test_the_console_stores_an_sms_and_logs_neither_body_nor_number(db, console, caplog):
    caplog.set_level(logging.INFO)
    person = person_with(mobile="912 34 567")
    [message] = _queued(person, organisation_id=trust_and_unit()[1].id)
    assert deliver.run(message.id) == "sent"
    [stored] = table_rows(ConsoleMessage)
    assert (stored.channel, stored.to, stored.subject) == ("sms", "+4791234567", None)
    assert stored.body.startswith("Du har fått en ny melding fra St. Olavs hospital.")
    assert _status(message).external_id == f"console-{stored.id}"
    assert "91234567" not in caplog.text and "ny melding" not in caplog.text
    assert "console sms stored" in caplog.text


def test_the_console_stores_an_email(db, console):
    person = person_with(mobile=None, email="kari@example.no")
    [message] = _queued(person)
    assert deliver.run(message.id) == "sent"
    [stored] = table_rows(ConsoleMessage)
    assert (stored.channel, stored.to, stored.subject) == ("email", "kari@example.no",
                                                           "Ny melding")
    assert "Logg inn på helsenorge.no" in stored.body


def test_a_redelivered_task_sends_nothing_twice(db, console):
    [message] = _queued(person_with())
    assert deliver.run(message.id) == "sent"
    assert deliver.run(message.id) == "skipped"
    assert len(table_rows(ConsoleMessage)) == 1


def test_the_console_is_idempotent_on_the_outbox_message(db, console):
    [message] = _queued(person_with())
    first = console.send_sms(to="+4791234567", body="x", message_id=message.id)
    again = console.send_sms(to="+4791234567", body="x", message_id=message.id)
    assert first == again and len(table_rows(ConsoleMessage)) == 1


# -- what the transport is given -----------------------------------------------------------

def test_the_transport_gets_e164_and_the_body(db, fake_transport):
    person = person_with(mobile="912 34 567")
    [message] = _queued(person)
    assert deliver.run(message.id) == "sent"
    [sent] = fake_transport.sent
    assert (sent.channel, sent.to, sent.message_id) == ("sms", "+4791234567", message.id)
    assert sent.body == message.payload["body"]
    assert _status(message).external_id == f"SM{message.id:032d}"


def test_the_number_is_looked_up_again_when_sent(db, fake_transport):
    person = person_with(mobile="+4791234567")
    [message] = _queued(person)
    update_settings(person_id=person.id, actor=Actor.person(person.id), mobile="+4798765432")
    db.session.commit()
    deliver.run(message.id)
    assert [s.to for s in fake_transport.sent] == ["+4798765432"]


def test_an_email_goes_multipart(db, fake_transport):
    person = person_with(email="kari@example.no")
    [_sms, message] = _queued(person, channels="both")
    deliver.run(message.id)
    [sent] = fake_transport.sent
    assert (sent.channel, sent.to) == ("email", "kari@example.no")
    assert (sent.subject, sent.text, sent.html) == (message.payload["subject"],
                                                    message.payload["text"],
                                                    message.payload["html"])


# -- refused before the transport ----------------------------------------------------------

def test_an_invalid_number_never_reaches_the_transport(db, fake_transport):
    person = person_with(mobile="+4791234567")
    [message] = _queued(person)
    person.mobile = "12345"
    db.session.commit()
    assert deliver.run(message.id) == "dead"
    assert fake_transport.sent == []
    assert "not a valid phone number" in _status(message).last_error


def test_a_landline_never_reaches_the_transport(db, fake_transport):
    person = person_with(mobile="+4791234567")
    [message] = _queued(person)
    person.mobile = "73 86 80 00"
    db.session.commit()
    assert deliver.run(message.id) == "dead"
    assert fake_transport.sent == [] and "not a mobile" in _status(message).last_error


def test_a_number_that_said_stop_since_is_not_sent_to(db, fake_transport):
    [message] = _queued(person_with(mobile="+4791234567"))
    db.session.add(SmsOptOut(phone="+4791234567"))
    db.session.commit()
    assert deliver.run(message.id) == "dead"
    assert fake_transport.sent == [] and _status(message).last_error == "opted out"


def test_an_address_gone_since_is_not_sent_to(db, fake_transport):
    person = person_with(mobile="+4791234567", email="kari@example.no")
    [message] = _queued(person)
    person.mobile = None
    db.session.commit()
    assert deliver.run(message.id) == "dead"
    assert "no mobile number" in _status(message).last_error
    assert [n.channel for n in table_rows(Notification)] == ["sms"]  # e-mail still works


def test_nobody_left_to_reach_is_a_letter(db, fake_transport):
    person = person_with(mobile="+4791234567")
    [message] = _queued(person)
    person.mobile = None
    db.session.commit()
    assert deliver.run(message.id) == "dead"
    letters = [n for n in table_rows(Notification) if n.channel == "paper"]
    assert [(n.outcome, n.dedupe_key) for n in letters] == [(Outcome.PAPER, "k:paper")]


def test_reserved_in_krr_since_is_dead_and_a_letter(db, fake_transport, krr_server):
    person = person_with(mobile="+4791234567", email="kari@example.no")
    [sms, email] = _queued(person, channels="both")
    krr_server.add(national_id_of(person), reserved=True)
    assert deliver.run(sms.id) == "dead"
    assert deliver.run(email.id) == "dead"
    assert fake_transport.sent == []
    assert "reserved" in _status(sms).last_error
    [letter] = [n for n in table_rows(Notification) if n.channel == "paper"]
    assert (letter.person_id, letter.event, letter.handled_at) == (
        person.id, "notify.new-message", None)


def test_krr_down_when_sending_is_tried_again(db, fake_transport, krr_server):
    [message] = _queued(person_with())
    krr_server.fail_next.append((429, {"Retry-After": "600"}, b""))
    with pytest.raises(Retry):
        deliver.run(message.id)
    stored = _status(message)
    assert stored.status is OutboxStatus.PENDING and "429" in stored.last_error
    assert stored.next_attempt_at - stored.claimed_at >= timedelta(seconds=600)
    assert fake_transport.sent == []


def test_krr_gives_the_number_when_nobody_else_has_one(db, fake_transport, krr_server):
    person = person_with(mobile=None)
    krr_server.add(national_id_of(person), mobile="+4741234567")
    [message] = _queued(person)
    deliver.run(message.id)
    assert [s.to for s in fake_transport.sent] == ["+4741234567"]


def test_a_person_removed_since_is_dead(db, fake_transport):
    [message] = _queued(person_with())
    message.payload = {**message.payload, "person_id": 999_999}
    db.session.commit()
    assert deliver.run(message.id) == "dead"
    assert "no longer registered" in _status(message).last_error


# -- what the transport answers ------------------------------------------------------------

def test_a_transport_refusal_is_dead_at_once(db, fake_transport):
    fake_transport.fail_next.append(PermanentFailure("Twilio 21211: invalid 'To' number"))
    [message] = _queued(person_with())
    assert deliver.run(message.id) == "dead"
    assert _status(message).last_error == "Twilio 21211: invalid 'To' number"


def test_a_transport_hiccup_is_tried_again(db, fake_transport):
    fake_transport.fail_next.append(TemporaryFailure("Twilio 503"))
    [message] = _queued(person_with())
    with pytest.raises(Retry):
        deliver.run(message.id)
    assert _status(message).status is OutboxStatus.PENDING
    _status(message).next_attempt_at = _status(message).created_at
    db.session.commit()
    assert deliver.run(message.id) == "sent"
    assert len(fake_transport.sent) == 1


# -- the operator's test -----------------------------------------------------------------

def test_the_operator_test_goes_to_the_number_given(db, fake_transport):
    [message] = send_test_message(actor=Actor.operator("t"), to="912 34 567")
    db.session.commit()
    assert message.payload == {"to": "+4791234567", "body": "Dette er en testmelding fra Min "
                               "helse. Du trenger ikke gjøre noe."}
    assert deliver.run(message.id) == "sent"
    assert [s.to for s in fake_transport.sent] == ["+4791234567"]


def test_the_operator_test_goes_to_an_address_given(db, fake_transport):
    [message] = send_test_message(actor=Actor.operator("t"), to="ops@example.no")
    db.session.commit()
    assert deliver.run(message.id) == "sent"
    [sent] = fake_transport.sent
    assert (sent.to, sent.subject) == ("ops@example.no", "Testmelding fra Min helse")


def test_the_operator_test_refuses_an_opted_out_number_at_send(db, fake_transport):
    [message] = send_test_message(actor=Actor.operator("t"), to="+4791234567")
    db.session.add(SmsOptOut(phone="+4791234567"))
    db.session.commit()
    assert deliver.run(message.id) == "dead" and fake_transport.sent == []


def test_a_payload_with_an_invalid_to_never_reaches_the_transport(db, fake_transport):
    from services.outbox import enqueue

    message = enqueue(channel="sms", payload={"to": "+47123", "body": "x"}, dedupe_key="t")
    bad_mail = enqueue(channel="email", payload={"to": "nobody", "subject": "s", "text": "t",
                                                 "html": "h"}, dedupe_key="t2")
    db.session.commit()
    assert deliver.run(message.id) == "dead" and deliver.run(bad_mail.id) == "dead"
    assert fake_transport.sent == []


# -- configuration -----------------------------------------------------------------------

def test_without_twilio_or_smtp_the_console_is_used(app):
    chosen = transports.configure({"twilio": {"account_sid": None}, "smtp_url": None,
                                   "smtp_from": "x"}, public_base_url="https://m.example")
    assert isinstance(chosen.sms, ConsoleTransport) and isinstance(chosen.email,
                                                                   ConsoleTransport)
    assert transports.installed() is chosen


def test_twilio_and_smtp_are_chosen_by_configuration(app, monkeypatch):
    import sys
    import types

    made = {}

    class Twilio:
        @classmethod
        def from_config(cls, config, *, status_callback):
            made["twilio"] = (config["account_sid"], status_callback)
            return cls()

    class Smtp:
        @classmethod
        def from_config(cls, *, url, from_):
            made["smtp"] = (url, from_)
            return cls()

    # Stand-ins for the modules the other transports live in, so this holds on its own.
    monkeypatch.setitem(sys.modules, "services.notify.transports.twilio",
                        types.SimpleNamespace(TwilioTransport=Twilio))
    monkeypatch.setitem(sys.modules, "services.notify.transports.smtp",
                        types.SimpleNamespace(SmtpTransport=Smtp))
    chosen = transports.configure(
        {"twilio": {"account_sid": "AC123"}, "smtp_url": "smtp://mail.example:587",
         "smtp_from": "Min helse <ikke-svar@minhelse.example>"},
        public_base_url="https://minhelse.example/")
    assert isinstance(chosen.sms, Twilio) and isinstance(chosen.email, Smtp)
    assert made == {"twilio": ("AC123", "https://minhelse.example/webhooks/twilio/status"),
                    "smtp": ("smtp://mail.example:587",
                             "Min helse <ikke-svar@minhelse.example>")}

