"""Outbox messages published after commit are recorded, not sent to a broker, in tests;
``broker_publishing`` gives a test production's publisher back (the real-worker tests)."""

import pytest

from services.outbox import publish

_BROKER_PUBLISHER = publish.publisher


@pytest.fixture(autouse=True)
def published_messages(monkeypatch):
    """Ids published to the workers during this test, in order."""
    published: list[int] = []
    monkeypatch.setattr(publish, "publisher", published.extend)
    return published


@pytest.fixture
def broker_publishing(published_messages, monkeypatch):
    """Committed messages go to the app's Celery broker, as in production."""
    monkeypatch.setattr(publish, "publisher", _BROKER_PUBLISHER)
