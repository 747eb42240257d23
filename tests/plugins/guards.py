"""Autouse guards: a test that would reach anything beyond loopback fails.

That covers real SMS (Twilio's API), real e-mail (SMTP relays) and any other outside call:
the stand-ins the tests start all listen on 127.0.0.1. The refusal is an ``OSError`` so
library code cleans up its sockets, and it is also recorded: a test whose code swallowed
the error (a retrying sender, say) still fails at teardown.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class OutboundNetworkBlocked(ConnectionRefusedError):
    """A test tried to talk to the world outside this machine."""


def _is_local(address) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX paths
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def blocked_connections(monkeypatch):
    """Addresses this test tried to reach beyond loopback; must be empty when it ends."""
    attempts: list = []

    def check(address) -> None:
        if not _is_local(address):
            attempts.append(address)
            raise OutboundNetworkBlocked(f"test tried to connect to {address!r}; use a stand-in")

    def connect(self, address):
        check(address)
        return _real_connect(self, address)

    def connect_ex(self, address):
        check(address)
        return _real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield attempts
    if attempts:
        pytest.fail(f"test tried to reach beyond loopback: {attempts!r}", pytrace=False)
