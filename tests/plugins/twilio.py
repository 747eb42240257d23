"""Twilio for the tests: the fast stub per test, Prism on the contract per session, and
webhook requests signed the way Twilio signs them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from tests.standins import prism as prism_standin
from tests.standins.twilio import TwilioStub

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM = "+4759440000"
MESSAGING_SERVICE_SID = "MG" + "fedcba9876543210" * 2
STATUS_CALLBACK = "https://minhelse.example/webhooks/twilio/status"


def twilio_config(api_base_url: str | None, **overrides) -> dict:
    """``app.config["NOTIFY"]["twilio"]`` as the settings build it, pointing at a stand-in."""
    return {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "api_key": None,
            "api_secret": None, "from_": FROM, "messaging_service_sid": None,
            "api_base_url": api_base_url, **overrides}


def twilio_signature(url: str, params: Mapping[str, str], *, token: str = AUTH_TOKEN) -> str:
    """``X-Twilio-Signature`` for a form posted to ``url``, as Twilio computes it."""
    from twilio.request_validator import RequestValidator

    return RequestValidator(token).compute_signature(url, dict(params))


@pytest.fixture
def twilio_stub() -> Iterator[TwilioStub]:
    with TwilioStub() as stub:
        yield stub


@pytest.fixture(scope="session")
def prism_twilio() -> Iterator[prism_standin.Prism]:
    """Prism serving Twilio's contract with ``--errors`` (skips, or fails on CI, without it)."""
    prism_standin.require()
    server = prism_standin.Prism()
    yield server
    server.stop()
