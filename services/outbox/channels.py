"""Channel senders: each channel registers one function that delivers a message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

#: ``send(payload, message_id) -> external id``; raises one of the failures below.
Sender = Callable[[dict[str, Any], int], str | None]

_senders: dict[str, Sender] = {}


class PermanentFailure(Exception):
    """The receiver refused the message for good (e.g. a 4xx): retrying cannot help."""


class TemporaryFailure(Exception):
    """The receiver could not take it now (timeout, 5xx, 429): try again later.

    ``retry_after`` is the receiver's own wish (a 429's ``Retry-After``): the next attempt
    waits at least that long, even when the backoff would be shorter.
    """

    def __init__(self, message: str, *, retry_after: timedelta | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def sender(channel: str) -> Callable[[Sender], Sender]:
    """Register the function that delivers messages of ``channel``."""

    def register(fn: Sender) -> Sender:
        _senders[channel] = fn
        return fn

    return register


def sender_for(channel: str) -> Sender:
    try:
        return _senders[channel]
    except KeyError:
        raise PermanentFailure(f"no sender for channel {channel!r}") from None
