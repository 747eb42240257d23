"""TwilioTransport against the Twilio stub: what it sends, what it stores, how it fails."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.notify.models import SmsOptOut, SmsStatus
from services.notify.transports.twilio import (
    MAX_RETRY_AFTER,
    STATUS_CALLBACK_PATH,
    TwilioTransport,
    parse_retry_after,
)
from services.outbox import PermanentFailure, TemporaryFailure, enqueue, sender
from services.outbox.models import OutboxMessage, OutboxStatus
from services.outbox.tasks import deliver
from tests.plugins.clock import T0
from tests.plugins.db import table_rows
from tests.plugins.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM,
    MESSAGING_SERVICE_SID,
    STATUS_CALLBACK,
    twilio_config,
)
from tests.standins.twilio import Fault

TO = "+4791234567"
BODY = "Du har fått en ny melding fra St. Olavs hospital. Logg inn på helsenorge.no."


def _message_id(key: str = "sms-1") -> int:
    return enqueue(channel="sms", payload={"to": TO, "body": BODY}, dedupe_key=key).id


def _transport(stub, **config) -> TwilioTransport:
    return TwilioTransport.from_config(twilio_config(stub.url, **config),
                                       status_callback=STATUS_CALLBACK)


def test_sends_the_sms_with_the_status_callback_and_stores_the_first_status(db, twilio_stub):
    message_id = _message_id()
    sid = _transport(twilio_stub).send_sms(to=TO, body=BODY, message_id=message_id)

    [request] = twilio_stub.requests
    assert request.account_sid == ACCOUNT_SID
    assert (request.username, request.password) == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.content_type == "application/x-www-form-urlencoded"
    assert request.form == {"To": TO, "Body": BODY, "From": FROM,
                            "StatusCallback": STATUS_CALLBACK}
    assert sid == request.sid and sid.startswith("SM")
    db.session.flush()
    [status] = table_rows(SmsStatus)
    assert (status.outbox_message_id, status.sid, status.status) == (message_id, sid, "queued")


def test_a_messaging_service_replaces_the_from_number(db, twilio_stub):
    transport = _transport(twilio_stub, from_=FROM, messaging_service_sid=MESSAGING_SERVICE_SID)
    transport.send_sms(to=TO, body=BODY, message_id=_message_id())

    form = twilio_stub.requests[0].form
    assert form["MessagingServiceSid"] == MESSAGING_SERVICE_SID
    assert "From" not in form
    db.session.flush()
    assert table_rows(SmsStatus)[0].status == "accepted"  # Twilio's first status for a service


def test_an_api_key_and_secret_authenticate_for_the_account(db, twilio_stub):
    transport = _transport(twilio_stub, auth_token=None, api_key="SK" + "1" * 32,
                           api_secret="key-secret")
    transport.send_sms(to=TO, body=BODY, message_id=_message_id())

    request = twilio_stub.requests[0]
    assert request.account_sid == ACCOUNT_SID
    assert (request.username, request.password) == ("SK" + "1" * 32, "key-secret")


def test_each_send_is_its_own_message(db, twilio_stub):
    transport = _transport(twilio_stub)
    sids = {transport.send_sms(to=TO, body=BODY, message_id=_message_id(f"k{i}"))
            for i in range(3)}
    assert len(sids) == 3
    assert twilio_stub.count_by_body() == {BODY: 3}


@pytest.mark.parametrize("config, problem", [
    ({"account_sid": None}, "account_sid"),
    ({"auth_token": None}, "auth_token"),
    ({"auth_token": None, "api_key": "SK" + "1" * 32}, "auth_token"),  # a key without secret
    ({"from_": None}, "sender"),
])
def test_an_incomplete_configuration_is_refused(config, problem):
    with pytest.raises(ValueError, match=problem):
        TwilioTransport.from_config(twilio_config("http://127.0.0.1:1", **config),
                                    status_callback=STATUS_CALLBACK)


def test_the_status_callback_path_is_the_webhook_route(app):
    with app.test_request_context():
        from flask import url_for

        assert url_for("webhooks.twilio_status") == STATUS_CALLBACK_PATH


# -- failures ----------------------------------------------------------------------------

@pytest.mark.parametrize("code, words", [
    (21211, "invalid 'To' number"),
    (21610, "opted out"),
    (21614, "not a mobile number"),
    (21606, "refused (HTTP 400)"),  # any other 4xx
])
def test_twilio_refusals_fail_for_good_with_the_code_and_without_the_number(
        db, twilio_stub, code, words):
    twilio_stub.fail_next(Fault.refused(code))
    with pytest.raises(PermanentFailure) as failure:
        _transport(twilio_stub).send_sms(to=TO, body=BODY, message_id=_message_id())
    reason = str(failure.value)
    assert reason.startswith(f"Twilio {code}: ") and words in reason
    assert TO not in reason and TO[3:] not in reason and BODY not in reason
    db.session.flush()
    assert table_rows(SmsStatus) == []


def test_other_client_errors_are_permanent_too(db, twilio_stub):
    twilio_stub.fail_next(Fault.refused(20404, status=404))
    with pytest.raises(PermanentFailure, match=r"^Twilio 20404: refused \(HTTP 404\)$"):
        _transport(twilio_stub).send_sms(to=TO, body=BODY, message_id=_message_id())


def test_opted_out_at_twilio_is_mirrored_once(db, twilio_stub):
    transport = _transport(twilio_stub)
    twilio_stub.fail_next(Fault.refused(21610), Fault.refused(21610))
    for key in ("a", "b"):
        with pytest.raises(PermanentFailure):
            transport.send_sms(to=TO, body=BODY, message_id=_message_id(key))
        db.session.flush()
    assert [row.phone for row in table_rows(SmsOptOut)] == [TO]


def test_other_refusals_do_not_opt_the_number_out(db, twilio_stub):
    twilio_stub.fail_next(Fault.refused(21211))
    with pytest.raises(PermanentFailure):
        _transport(twilio_stub).send_sms(to=TO, body=BODY, message_id=_message_id())
    db.session.flush()
    assert table_rows(SmsOptOut) == []


@pytest.mark.parametrize("retry_after, expected", [
    ("7", timedelta(seconds=7)),
    ("0", timedelta(0)),
    ("Mon, 02 Mar 2026 08:02:30 GMT", timedelta(minutes=2, seconds=30)),  # T0 + 2.5 min
    (None, None),
    ("soon", None),
])
def test_429_is_temporary_and_carries_retry_after(db, twilio_stub, frozen_clock,
                                                 retry_after, expected):
    twilio_stub.fail_next(Fault.rate_limited(retry_after))
    with pytest.raises(TemporaryFailure) as failure:
        _transport(twilio_stub).send_sms(to=TO, body=BODY, message_id=_message_id())
    assert failure.value.retry_after == expected
    assert str(failure.value) == "Twilio 20429: too many requests"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_temporary(db, twilio_stub, status):
    twilio_stub.fail_next(Fault.server_error(status))
    with pytest.raises(TemporaryFailure, match=f"HTTP {status}") as failure:
        _transport(twilio_stub).send_sms(to=TO, body=BODY, message_id=_message_id())
    assert failure.value.retry_after is None


def test_a_dropped_connection_is_temporary(db, twilio_stub):
    twilio_stub.fail_next(Fault.drop())
    with pytest.raises(TemporaryFailure, match="Twilio unreachable: ConnectionError"):
        _transport(twilio_stub).send_sms(to=TO, body=BODY, message_id=_message_id())
    assert len(twilio_stub.requests) == 1  # no retry of its own: the outbox owns retries


def test_a_server_that_is_not_there_is_temporary(db):
    transport = TwilioTransport.from_config(twilio_config("http://127.0.0.1:9"),
                                            status_callback=STATUS_CALLBACK)
    with pytest.raises(TemporaryFailure, match="Twilio unreachable"):
        transport.send_sms(to=TO, body=BODY, message_id=_message_id())


def test_a_silent_server_times_out_as_temporary(db, twilio_stub):
    twilio_stub.fail_next(Fault.slow(2))
    transport = TwilioTransport.from_config(twilio_config(twilio_stub.url),
                                            status_callback=STATUS_CALLBACK, timeout=0.3)
    with pytest.raises(TemporaryFailure, match="Twilio unreachable: ReadTimeout"):
        transport.send_sms(to=TO, body=BODY, message_id=_message_id())


def test_the_environments_proxy_settings_hold_for_the_api_host(db, twilio_stub, monkeypatch):
    def environ(**variables: str | None) -> None:
        for name, value in variables.items():
            for spelled in (name, name.lower()):
                if value is None:
                    monkeypatch.delenv(spelled, raising=False)
                else:
                    monkeypatch.setenv(spelled, value)

    environ(HTTP_PROXY="http://127.0.0.1:9", NO_PROXY=None)  # a proxy that is not there
    with pytest.raises(TemporaryFailure, match="Twilio unreachable: ProxyError"):
        _transport(twilio_stub).send_sms(to=TO, body=BODY, message_id=_message_id("a"))
    assert twilio_stub.requests == []

    environ(NO_PROXY="127.0.0.1")
    assert _transport(twilio_stub).send_sms(to=TO, body=BODY,
                                            message_id=_message_id("b")).startswith("SM")


def test_the_transport_is_usable_after_a_failure(db, twilio_stub):
    transport = _transport(twilio_stub)
    twilio_stub.fail_next(Fault.drop())
    with pytest.raises(TemporaryFailure):
        transport.send_sms(to=TO, body=BODY, message_id=_message_id("a"))
    assert transport.send_sms(to=TO, body=BODY, message_id=_message_id("b")).startswith("SM")


@pytest.mark.parametrize("value, expected", [
    ("120", timedelta(minutes=2)),
    (" 30 ", timedelta(seconds=30)),
    ("86400", MAX_RETRY_AFTER),
    ("Mon, 02 Mar 2026 07:00:00 GMT", timedelta(0)),  # in the past
    ("Tue, 03 Mar 2026 08:00:00 GMT", MAX_RETRY_AFTER),
    ("-5", None),
    ("", None),
])
def test_retry_after_is_read_as_seconds_or_a_date_and_capped(value, expected):
    assert parse_retry_after(value, now=T0) == expected


# -- in the outbox -----------------------------------------------------------------------

@pytest.fixture
def sms_through(twilio_stub):
    """A test channel sending through the transport, as the ``sms`` channel does."""
    transport = _transport(twilio_stub)

    @sender("twilio-test")
    def send(payload, message_id):
        return transport.send_sms(to=payload["to"], body=payload["body"],
                                  message_id=message_id)

    return twilio_stub


def test_a_delivered_message_keeps_its_sid_and_first_status(db, sms_through):
    message = enqueue(channel="twilio-test", payload={"to": TO, "body": BODY}, dedupe_key="d")
    db.session.commit()
    assert deliver.run(message.id) == "sent"
    stored = db.session.get(OutboxMessage, message.id)
    [status] = table_rows(SmsStatus)
    assert stored.external_id == status.sid == sms_through.requests[0].sid
    assert status.status == "queued"


def test_an_opted_out_number_is_dead_with_the_reason_and_mirrored(db, sms_through):
    sms_through.fail_next(Fault.refused(21610))
    message = enqueue(channel="twilio-test", payload={"to": TO, "body": BODY}, dedupe_key="d")
    db.session.commit()
    assert deliver.run(message.id) == "dead"
    stored = db.session.get(OutboxMessage, message.id)
    assert stored.status is OutboxStatus.DEAD
    assert stored.last_error == "Twilio 21610: the number has opted out (STOP)"
    assert [row.phone for row in table_rows(SmsOptOut)] == [TO]
