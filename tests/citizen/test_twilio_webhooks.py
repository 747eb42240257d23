"""Twilio's webhooks over HTTP: signed as Twilio signs them, or refused with nothing changed."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
import sqlalchemy as sa

from citizen.extensions import limiter
from services.audit.models import AuditEvent
from services.clock import utcnow
from services.db import db
from services.notify.inbound import NEUTRAL_REPLY, REPLIES, open_conversation, reply_handler
from services.notify.models import Conversation, SmsOptOut, SmsStatus
from services.outbox import enqueue
from tests.plugins.db import table_rows
from tests.plugins.factories import make_person
from tests.plugins.twilio import ACCOUNT_SID, AUTH_TOKEN, twilio_config, twilio_signature

PHONE = "+4791234567"
STATUS = "/webhooks/twilio/status"
INBOUND = "/webhooks/twilio/inbound"
PUBLIC = "https://minhelse.example"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    limiter.reset()  # the limiter counts per address across tests


@pytest.fixture
def twilio_app(make_app, app):
    notify = copy.deepcopy(app.config["NOTIFY"])
    notify["twilio"] = twilio_config(None)
    return make_app(PUBLIC_BASE_URL=PUBLIC, NOTIFY=notify)


@pytest.fixture
def webhook(twilio_app, db):
    client = twilio_app.test_client()

    def post(path: str, form: dict[str, str], *, signed_url: str | None = None,
             signature: str | None = None, **kwargs):
        if signature is None:
            signature = twilio_signature(signed_url or PUBLIC + path, form)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        return client.post(path, data=form, headers=headers, **kwargs)

    return post


def _status_form(sid: str, status: str, **extra) -> dict[str, str]:
    """What Twilio posts to a StatusCallback (with some of its other fields)."""
    return {"AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01", "From": "+4759440000",
            "To": PHONE, "MessageSid": sid, "SmsSid": sid, "MessageStatus": status,
            "SmsStatus": status, **extra}


def _inbound_form(body: str, *, sender: str = PHONE, **extra) -> dict[str, str]:
    return {"AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01", "Body": body,
            "From": sender, "To": "+4759440000", "MessageSid": "SM" + "9" * 32,
            "NumMedia": "0", "NumSegments": "1", "FromCountry": "NO", **extra}


def _sms(sid: str = "SM1", status: str = "queued") -> None:
    message = enqueue(channel="sms", payload={"to": PHONE, "body": "x"}, dedupe_key=sid)
    db.session.add(SmsStatus(outbox_message_id=message.id, sid=sid, status=status))
    db.session.commit()


def _status_of(sid: str = "SM1") -> tuple[str, str | None]:
    row = db.session.execute(sa.select(SmsStatus.status, SmsStatus.error_code)
                             .where(SmsStatus.sid == sid)).one()
    return row.status, row.error_code


# -- status callbacks --------------------------------------------------------------------

def test_a_signed_status_moves_the_sms_forward_and_answers_200_empty(webhook):
    _sms()
    response = webhook(STATUS, _status_form("SM1", "sent"))
    assert (response.status_code, response.data) == (200, b"")
    assert _status_of() == ("sent", None)


def test_statuses_move_forward_only_and_duplicates_are_no_ops(webhook):
    _sms()
    for status in ("sending", "delivered", "sent", "delivered", "sending"):
        assert webhook(STATUS, _status_form("SM1", status)).status_code == 200
    assert _status_of() == ("delivered", None)


def test_a_failure_stores_the_error_code(webhook):
    _sms("SM1", "sent")
    assert webhook(STATUS, _status_form("SM1", "undelivered", ErrorCode="30003")
                   ).status_code == 200
    assert _status_of() == ("undelivered", "30003")


def test_an_unknown_sid_answers_200_and_stores_nothing(webhook):
    assert webhook(STATUS, _status_form("SM-unknown", "delivered")).status_code == 200
    assert table_rows(SmsStatus) == []


@pytest.mark.parametrize("form, field", [
    ({"MessageStatus": "sent"}, "MessageSid"),
    ({"MessageSid": "SM1"}, "MessageStatus"),
    ({"MessageSid": "SM1", "MessageStatus": "failed", "ErrorCode": "thirty"}, "ErrorCode"),
    ({"MessageSid": "SM" + "1" * 70, "MessageStatus": "sent"}, "MessageSid"),
])
def test_a_signed_form_without_what_we_need_is_400(webhook, form, field):
    _sms()
    response = webhook(STATUS, form)
    assert response.status_code == 400
    assert field in response.get_json()["errors"]
    assert _status_of() == ("queued", None)


# -- signatures --------------------------------------------------------------------------

def _refusals(webhook, path: str, form: dict[str, str]) -> dict[str, int]:
    def tampered() -> int:
        signed = twilio_signature(PUBLIC + path, form)
        field, value = ("Body", "START") if path == INBOUND else ("MessageStatus", "read")
        return webhook(path, {**form, field: value}, signature=signed).status_code

    return {
        "missing": webhook(path, form, signature="").status_code,
        "wrong token": webhook(path, form, signature=twilio_signature(
            PUBLIC + path, form, token="someone-elses-token")).status_code,
        "garbage": webhook(path, form, signature="bm90IGEgc2lnbmF0dXJl").status_code,
        "non-ascii": webhook(path, form, signature="sïgnatür€").status_code,
        "internal url": webhook(path, form,
                                signed_url="http://minhelse.test" + path).status_code,
        "other path": webhook(path, form, signed_url=PUBLIC + "/webhooks/twilio/other"
                              ).status_code,
        "tampered form": tampered(),
    }


def test_a_status_without_twilios_signature_is_403_and_changes_nothing(webhook):
    _sms()
    refusals = _refusals(webhook, STATUS, _status_form("SM1", "delivered"))
    assert refusals == dict.fromkeys(refusals, 403)
    assert _status_of() == ("queued", None)


def test_an_inbound_sms_without_twilios_signature_is_403_and_changes_nothing(webhook):
    refusals = _refusals(webhook, INBOUND, _inbound_form("STOP"))
    assert refusals == dict.fromkeys(refusals, 403)
    assert table_rows(SmsOptOut) == [] and table_rows(AuditEvent) == []


def test_a_refusal_says_why_as_problem_json(webhook):
    response = webhook(STATUS, _status_form("SM1", "sent"), signature="")
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "X-Twilio-Signature" in response.get_json()["detail"]


def test_without_an_auth_token_nothing_is_accepted(make_app, app, db):
    # Twilio not configured (the console channel): an account without credentials would
    # not start at all (the transport refuses it).
    notify = copy.deepcopy(app.config["NOTIFY"])
    notify["twilio"] = {**twilio_config(None, auth_token=None), "account_sid": None}
    client = make_app(PUBLIC_BASE_URL=PUBLIC, NOTIFY=notify).test_client()
    form = _status_form("SM1", "sent")
    _sms()
    response = client.post(STATUS, data=form,
                           headers={"X-Twilio-Signature": twilio_signature(PUBLIC + STATUS, form)})
    assert response.status_code == 403
    assert _status_of() == ("queued", None)


def test_the_query_string_is_part_of_what_twilio_signs(webhook):
    _sms()
    form = _status_form("SM1", "sent")
    signed = twilio_signature(PUBLIC + STATUS + "?attempt=1", form)
    assert webhook(STATUS + "?attempt=2", form, signature=signed).status_code == 403
    assert webhook(STATUS + "?attempt=1", form, signature=signed).status_code == 200
    assert _status_of() == ("sent", None)


def test_a_signature_with_the_port_twilio_may_add_passes(webhook):
    _sms()
    form = _status_form("SM1", "sent")
    assert webhook(STATUS, form, signed_url="https://minhelse.example:443" + STATUS
                   ).status_code == 200


def test_a_signature_without_the_port_of_a_public_url_with_one_passes(make_app, app, db):
    notify = copy.deepcopy(app.config["NOTIFY"])
    notify["twilio"] = twilio_config(None)
    client = make_app(PUBLIC_BASE_URL="http://127.0.0.1:80", NOTIFY=notify).test_client()
    _sms()
    form = _status_form("SM1", "sent")
    for signed_url, expected in (("http://127.0.0.1" + STATUS, 200),
                                 ("http://127.0.0.1:80" + STATUS, 200),
                                 ("http://127.0.0.1:8080" + STATUS, 403)):
        response = client.post(STATUS, data=form, headers={
            "X-Twilio-Signature": twilio_signature(signed_url, form)})
        assert response.status_code == expected, signed_url


_URLS = ["https://minhelse.example/webhooks/twilio/status",
         "https://minhelse.example:443/webhooks/twilio/status",
         "https://minhelse.example:8443/webhooks/twilio/status",
         "http://127.0.0.1:5000/webhooks/twilio/status",
         "http://127.0.0.1/webhooks/twilio/status",
         "http://127.0.0.1:80/webhooks/twilio/status?attempt=1",
         "https://minhelse.example/webhooks/twilio/status?attempt=1&bodySHA256=abc",
         "https://user@minhelse.example/webhooks/twilio/status"]


@pytest.mark.parametrize("url", _URLS)
def test_the_signature_check_answers_as_twilios_validator(url):
    """Every signature over each form of each URL: accepted exactly when
    RequestValidator.validate accepts it."""
    from twilio.request_validator import RequestValidator
    from werkzeug.datastructures import MultiDict

    from citizen.webhooks.views import signature_matches

    form = MultiDict([*_status_form("SM1", "sent").items(), ("Extra", "b"), ("Extra", "a")])
    validator = RequestValidator(AUTH_TOKEN)
    signatures = {validator.compute_signature(signed, form) for signed in _URLS}
    signatures |= {twilio_signature(url, form, token="another-token"), "bm90IGEgc2lnbmF0dXJl"}
    answers = {(signature, signature_matches(token=AUTH_TOKEN, url=url, form=form,
                                             signature=signature))
               for signature in signatures}
    assert answers == {(signature, validator.validate(url, form, signature))
                       for signature in signatures}
    assert any(accepted for _, accepted in answers)


@pytest.fixture
def behind_proxy(make_app, app, db):
    """The app as deployed: one proxy in front, terminating TLS for the public name."""
    notify = copy.deepcopy(app.config["NOTIFY"])
    notify["twilio"] = twilio_config(None)
    proxied = make_app(PUBLIC_BASE_URL=PUBLIC, PROXY_HOPS=1, NOTIFY=notify, SERVER_NAME=None)
    return proxied.test_client()


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "minhelse.example"}


def test_behind_a_proxy_the_signature_over_the_public_url_passes(behind_proxy):
    _sms()
    form = _status_form("SM1", "delivered")
    response = behind_proxy.post(
        STATUS, data=form, base_url="http://10.0.0.5:8000",
        headers={**FORWARDED, "X-Twilio-Signature": twilio_signature(PUBLIC + STATUS, form)})
    assert response.status_code == 200
    assert _status_of() == ("delivered", None)


def test_behind_a_proxy_the_signature_over_the_internal_url_fails(behind_proxy):
    _sms()
    form = _status_form("SM1", "delivered")
    internal = "http://10.0.0.5:8000" + STATUS
    response = behind_proxy.post(
        STATUS, data=form, base_url="http://10.0.0.5:8000",
        headers={**FORWARDED, "X-Twilio-Signature": twilio_signature(internal, form)})
    assert response.status_code == 403
    assert _status_of() == ("queued", None)


def test_a_forged_forwarded_host_does_not_change_what_is_checked(behind_proxy):
    """The URL checked is PUBLIC_BASE_URL's, whatever the request claims its host was."""
    _sms()
    form = _status_form("SM1", "delivered")
    response = behind_proxy.post(
        STATUS, data=form, base_url="http://10.0.0.5:8000",
        headers={**FORWARDED, "X-Forwarded-Host": "attacker.example",
                 "X-Twilio-Signature": twilio_signature("https://attacker.example" + STATUS,
                                                        form, token=AUTH_TOKEN)})
    assert response.status_code == 403


# -- what the endpoints accept -----------------------------------------------------------

def test_json_is_refused_with_415(webhook, twilio_app):
    form = _status_form("SM1", "sent")
    response = twilio_app.test_client().post(
        STATUS, json=form, headers={"X-Twilio-Signature": twilio_signature(PUBLIC + STATUS, {})})
    assert response.status_code == 415


def test_no_csrf_token_is_needed(webhook, twilio_app):
    assert twilio_app.config.get("WTF_CSRF_ENABLED", True) is True
    _sms()
    assert webhook(STATUS, _status_form("SM1", "sent")).status_code == 200


def test_a_large_body_is_refused_before_it_is_read(webhook):
    form = _inbound_form("x" * 70_000)
    response = webhook(INBOUND, form)
    assert response.status_code == 413
    assert table_rows(SmsOptOut) == []


def test_an_sms_body_longer_than_twilio_allows_is_400(webhook):
    assert webhook(INBOUND, _inbound_form("x" * 1601)).status_code == 400


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_only_post_is_allowed(twilio_app, db, method):
    assert twilio_app.test_client().open(STATUS, method=method).status_code == 405


def test_refused_requests_are_rate_limited_per_address(webhook):
    _sms()
    form = _status_form("SM1", "sent")
    codes = [webhook(STATUS, form, signature="wrong").status_code for _ in range(31)]
    assert codes == [403] * 30 + [429]
    assert _status_of() == ("queued", None)


def test_signed_requests_pass_from_an_address_already_over_the_limit(webhook):
    # Refusals count against the address, but a signed callback is never held back.
    _sms()
    for _ in range(30):
        webhook(STATUS, _status_form("SM1", "sent"), signature="wrong")
    refused = webhook(STATUS, _status_form("SM1", "sent"), signature="wrong")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert webhook(STATUS, _status_form("SM1", "delivered")).status_code == 200
    assert _status_of() == ("delivered", None)


def test_signed_requests_are_not_counted_against_the_limit(webhook):
    _sms()
    codes = {webhook(STATUS, _status_form("SM1", s)).status_code
             for _ in range(20) for s in ("sending", "sent")}
    assert codes == {200}
    assert webhook(STATUS, _status_form("SM1", "delivered"), signature="x").status_code == 403


# -- inbound SMS -------------------------------------------------------------------------

def _twiml_message(response) -> str | None:
    from xml.etree import ElementTree

    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.data)  # noqa: S314 - our own response
    assert root.tag == "Response"
    messages = root.findall("Message")
    assert len(messages) <= 1
    return messages[0].text if messages else None


@pytest.mark.parametrize("body", ["STOP", "stopp", " Avslutt ", "UNSUBSCRIBE"])
def test_stop_opts_out_and_answers_in_twiml(webhook, body):
    assert _twiml_message(webhook(INBOUND, _inbound_form(body))) == REPLIES["nb"]["stopped"]
    assert [row.phone for row in table_rows(SmsOptOut)] == [PHONE]


@pytest.mark.parametrize("body", ["START", "yes", "Unstop"])
def test_start_opts_back_in(webhook, body):
    webhook(INBOUND, _inbound_form("STOP"))
    assert _twiml_message(webhook(INBOUND, _inbound_form(body))) == REPLIES["nb"]["started"]
    assert table_rows(SmsOptOut) == []


@pytest.mark.parametrize("body", ["HELP", "hjelp"])
def test_help_answers_the_help_text(webhook, body):
    assert _twiml_message(webhook(INBOUND, _inbound_form(body))) == REPLIES["nb"]["help"]


def test_advanced_opt_outs_type_is_honoured(webhook):
    reply = _twiml_message(webhook(INBOUND, _inbound_form("Nei takk", OptOutType="STOP")))
    assert reply == REPLIES["nb"]["stopped"]
    assert [row.phone for row in table_rows(SmsOptOut)] == [PHONE]


def test_an_unknown_sender_gets_the_neutral_answer_and_nothing_is_stored(webhook):
    reply = _twiml_message(webhook(INBOUND, _inbound_form("Når er timen min?")))
    assert reply == NEUTRAL_REPLY
    assert table_rows(SmsOptOut) == [] and table_rows(Conversation) == []
    assert table_rows(AuditEvent) == []


@pytest.fixture
def confirmations():
    received = []

    @reply_handler("test.confirm")
    def confirm(*, conversation, body, now):
        received.append((conversation.ref, body))
        return "" if body.strip() == "STILLE" else f"Takk for svaret om {conversation.ref}."

    return received


def _conversation(*, phone: str = PHONE, minutes: int = 60) -> None:
    person = make_person()
    open_conversation(person_id=person.id, phone=phone, kind="test.confirm",
                      ref="appointment:7", expires_at=utcnow() + timedelta(minutes=minutes))
    db.session.commit()


def test_a_reply_reaches_the_handler_of_the_open_conversation(webhook, confirmations):
    _conversation()
    reply = _twiml_message(webhook(INBOUND, _inbound_form("JA")))
    assert reply == "Takk for svaret om appointment:7."
    assert confirmations == [("appointment:7", "JA")]


def test_a_handler_may_answer_nothing(webhook, confirmations):
    _conversation()
    assert _twiml_message(webhook(INBOUND, _inbound_form("STILLE"))) is None


def test_a_reply_after_the_conversation_expired_is_neutral(webhook, confirmations,
                                                          frozen_clock):
    _conversation(minutes=30)
    frozen_clock.shift(timedelta(minutes=30))
    assert _twiml_message(webhook(INBOUND, _inbound_form("JA"))) == NEUTRAL_REPLY
    assert confirmations == []


def test_a_reply_from_another_number_is_neutral(webhook, confirmations):
    _conversation(phone="+4798765432")
    assert _twiml_message(webhook(INBOUND, _inbound_form("JA"))) == NEUTRAL_REPLY
    assert confirmations == []


def test_the_reply_text_is_escaped_in_the_twiml(webhook):
    @reply_handler("test.echo")
    def echo(*, conversation, body, now):
        return body

    person = make_person()
    open_conversation(person_id=person.id, phone=PHONE, kind="test.echo", ref="1",
                      expires_at=utcnow() + timedelta(hours=1))
    db.session.commit()
    assert _twiml_message(webhook(INBOUND, _inbound_form("<Redirect>x</Redirect> & <"))
                          ) == "<Redirect>x</Redirect> & <"
