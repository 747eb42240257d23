"""Notifications in tests: the configuration (rules, KRR, transports) put back after every
test, a fake transport that records what it was given, and rules a test can set."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import pytest


@dataclass
class Sent:
    channel: str
    to: str
    message_id: int
    body: str | None = None
    subject: str | None = None
    text: str | None = None
    html: str | None = None


@dataclass
class FakeTransport:
    """Both transports in one; ``fail_next`` holds exceptions to raise instead of sending."""

    sent: list[Sent] = field(default_factory=list)
    fail_next: deque[Exception] = field(default_factory=deque)

    def send_sms(self, *, to: str, body: str, message_id: int) -> str:
        self._maybe_fail()
        self.sent.append(Sent("sms", to, message_id, body=body))
        return f"SM{message_id:032d}"

    def send_email(self, *, to: str, subject: str, text: str, html: str,
                   message_id: int) -> str:
        self._maybe_fail()
        self.sent.append(Sent("email", to, message_id, subject=subject, text=text, html=html))
        return f"<{message_id}@minhelse.test>"

    def _maybe_fail(self) -> None:
        if self.fail_next:
            raise self.fail_next.popleft()


@pytest.fixture(autouse=True)
def _notify_configuration_restored():
    from services.notify import config, krr, transports

    saved = (config._rules, krr._register, transports._transports)
    yield
    config._rules, krr._register, transports._transports = saved


@pytest.fixture
def fake_transport(app) -> FakeTransport:
    """Installed for SMS and e-mail for this test."""
    from services.notify import transports

    fake = FakeTransport()
    transports.install(sms=fake, email=fake)
    return fake


@pytest.fixture
def notify_rules(app):
    """``notify_rules(quiet_hours="21:00-08:00", daily_cap=5)`` sets the rules for this test;
    called once by default with no quiet hours, so a test's hour of day cannot matter."""
    from services.notify.config import Rules, set_rules
    from services.notify.timing import parse_quiet_hours

    def set_(*, quiet_hours: str = "", daily_cap: int = 5) -> None:
        set_rules(Rules(quiet_hours=parse_quiet_hours(quiet_hours), daily_cap=daily_cap))

    set_()
    return set_
