"""Two status callbacks for one SMS at once, on PostgreSQL: the later step wins whatever
order the transactions commit in."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from services.db import db
from services.notify.inbound import apply_status
from services.notify.models import SmsStatus
from services.outbox import enqueue
from tests.plugins.db import migrated_postgres_app


@pytest.fixture
def committed_app(make_app):
    with migrated_postgres_app(make_app) as app:
        with app.app_context():
            message = enqueue(channel="sms", payload={"to": "+4791234567", "body": "x"},
                              dedupe_key="race")
            db.session.add(SmsStatus(outbox_message_id=message.id, sid="SM1", status="sending"))
            db.session.commit()
        yield app


def test_a_sent_racing_a_delivered_does_not_move_it_back(committed_app):
    delivered_applied, let_commit = threading.Event(), threading.Event()
    outcome: dict[str, bool] = {}

    def deliver() -> None:
        with committed_app.app_context():
            outcome["delivered"] = apply_status(sid="SM1", status="delivered")
            delivered_applied.set()
            let_commit.wait(10)
            db.session.commit()

    def late_sent() -> None:
        with committed_app.app_context():
            outcome["sent"] = apply_status(sid="SM1", status="sent")  # waits for the row lock
            db.session.commit()

    first = threading.Thread(target=deliver)
    first.start()
    assert delivered_applied.wait(10)
    second = threading.Thread(target=late_sent)
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second UPDATE should wait for the first one's row lock"
    let_commit.set()
    first.join(10)
    second.join(10)

    assert outcome == {"delivered": True, "sent": False}
    with committed_app.app_context():
        assert db.session.scalar(sa.select(SmsStatus.status)) == "delivered"
