"""Autouse guards: a test that would reach anything beyond loopback fails.

That covers real SMS (Twilio's API), real e-mail (SMTP relays) and any other outside call:
the stand-ins the tests start all listen on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class OutboundNetworkBlocked(AssertionError):
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


def _check(address) -> None:
    if not _is_local(address):
        raise OutboundNetworkBlocked(f"test tried to connect to {address!r}; use a local stand-in")


@pytest.fixture(autouse=True)
def block_outbound_network(monkeypatch):
    def connect(self, address):
        _check(address)
        return _real_connect(self, address)

    def connect_ex(self, address):
        _check(address)
        return _real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
