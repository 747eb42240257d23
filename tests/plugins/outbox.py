"""Outbox messages published after commit are recorded, not sent to a broker, in tests;
``outbox_worker`` delivers them as a worker would; ``broker_publishing`` gives a test
production's publisher back (the real-worker tests)."""

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


@pytest.fixture
def outbox_worker(published_messages):
    """Deliver what was published since the last call, as a worker would, and what that
    queues in turn (a notice decided later queues its messages): the outcomes, in order."""
    from services.outbox.tasks import deliver

    done = 0

    def work() -> list[str]:
        nonlocal done
        outcomes = []
        while done < len(published_messages):
            outcomes.append(deliver.run(published_messages[done]))
            done += 1
        return outcomes

    return work
