"""Outbox messages published after commit are recorded, not sent to a broker, in tests."""

import pytest

from services.outbox import publish


@pytest.fixture(autouse=True)
def published_messages(monkeypatch):
    """Ids published to the workers during this test, in order."""
    published: list[int] = []
    monkeypatch.setattr(publish, "publisher", published.append)
    return published
