"""The test kit's own promises: nothing leaves the machine, time can be frozen."""

import contextlib
import smtplib
import socket
from datetime import timedelta

import pytest

from services.clock import utcnow
from tests.plugins.clock import T0
from tests.plugins.guards import OutboundNetworkBlocked


@pytest.mark.parametrize("address", [("203.0.113.10", 443), ("api.twilio.com", 443)])
def test_connections_beyond_loopback_are_refused(address, blocked_connections):
    with socket.socket() as sock, pytest.raises(OutboundNetworkBlocked):
        sock.connect(address)
    assert blocked_connections == [address]
    blocked_connections.clear()  # this test wanted the refusal; others fail at teardown


def test_a_swallowed_refusal_is_still_recorded(blocked_connections):
    with contextlib.suppress(OSError):  # as a sender with retries would
        smtplib.SMTP("198.51.100.25", 25, timeout=1)
    assert blocked_connections == [("198.51.100.25", 25)]
    blocked_connections.clear()


def test_loopback_stays_usable():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=2):
            pass


def test_frozen_clock_stops_and_moves_time(frozen_clock):
    assert utcnow() == T0
    frozen_clock.shift(timedelta(days=30))
    assert utcnow() == T0 + timedelta(days=30)
