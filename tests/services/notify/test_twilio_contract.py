"""TwilioTransport's requests against Twilio's own OpenAPI contract, served by Prism.

Prism runs with ``--errors``: a request the contract does not allow (a missing ``To``, a
malformed SID, no credentials, a JSON body) is answered 401/415/422 instead of the
contract's example, and the transport turns that into a PermanentFailure. So a send that
returns the example's SID is a request the contract accepts.
"""

from __future__ import annotations

import pytest
import requests

from services.notify.models import SmsStatus
from services.notify.transports.twilio import TwilioTransport
from services.outbox import PermanentFailure, enqueue
from tests.plugins.db import table_rows
from tests.plugins.twilio import ACCOUNT_SID, MESSAGING_SERVICE_SID, STATUS_CALLBACK, twilio_config

#: The contract's example answer to a create.
EXAMPLE_SID = "SM" + "a" * 32
TO = "+4791234567"
BODY = "Du har fått en ny melding fra St. Olavs hospital. Logg inn på helsenorge.no."


def _send(prism, **config) -> str:
    message = enqueue(channel="sms", payload={"to": TO, "body": BODY}, dedupe_key="contract")
    transport = TwilioTransport.from_config(twilio_config(prism.url, **config),
                                            status_callback=STATUS_CALLBACK)
    try:
        return transport.send_sms(to=TO, body=BODY, message_id=message.id)
    except PermanentFailure as exc:
        pytest.fail(f"the contract refused the request ({exc}); Prism said:\n{prism.log()}")


@pytest.mark.parametrize("config", [
    {},
    {"messaging_service_sid": MESSAGING_SERVICE_SID},
    {"auth_token": None, "api_key": "SK" + "2" * 32, "api_secret": "key-secret"},
], ids=["from-number", "messaging-service", "api-key"])
def test_the_create_request_satisfies_twilios_contract(db, prism_twilio, config):
    assert _send(prism_twilio, **config) == EXAMPLE_SID
    db.session.flush()
    [status] = table_rows(SmsStatus)
    assert (status.sid, status.status) == (EXAMPLE_SID, "queued")


# Prism really checks: requests the contract forbids are refused, so the test above means
# something. (The transport cannot be made to send these; they are sent by hand.)
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


@pytest.mark.parametrize("how, status", [
    ({"data": {"Body": BODY}, "auth": (ACCOUNT_SID, "t")}, 422),  # no To
    ({"data": {"To": TO, "Body": BODY, "StatusCallback": "not a url"},
      "auth": (ACCOUNT_SID, "t")}, 422),
    ({"data": {"To": TO, "Body": BODY}}, 401),  # no credentials
    ({"json": {"To": TO, "Body": BODY}, "auth": (ACCOUNT_SID, "t")}, 415),
], ids=["no-to", "bad-callback", "no-auth", "json-body"])
def test_prism_refuses_what_the_contract_forbids(prism_twilio, how, status):
    response = requests.post(prism_twilio.url + MESSAGES, timeout=10, **how)
    assert response.status_code == status


def test_a_malformed_messaging_service_sid_is_a_permanent_failure(db, prism_twilio):
    message = enqueue(channel="sms", payload={"to": TO, "body": BODY}, dedupe_key="bad")
    transport = TwilioTransport.from_config(
        twilio_config(prism_twilio.url, messaging_service_sid="MG-not-a-sid"),
        status_callback=STATUS_CALLBACK)
    with pytest.raises(PermanentFailure, match=r"^Twilio 422: refused \(HTTP 422\)$"):
        transport.send_sms(to=TO, body=BODY, message_id=message.id)
