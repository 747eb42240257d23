"""Two transactions queuing the same key at the same moment, on PostgreSQL: the second
waits for the first and gets its message, never a unique-key error (which was a 500 for
whichever request lost)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from services.db import db
from services.outbox import enqueue
from services.outbox.models import OutboxMessage
from tests.plugins.db import migrated_postgres_app


@pytest.fixture
def committing_app(make_app):
    with migrated_postgres_app(make_app) as app:
        yield app


def test_the_same_key_queued_twice_at_once_is_one_message(committing_app):
    app = committing_app
    first_queued, second_started = threading.Event(), threading.Event()
    ids: dict[str, int] = {}
    errors: list[BaseException] = []

    def first() -> None:
        with app.app_context():
            ids["first"] = enqueue(channel="test", payload={"n": 1}, dedupe_key="same").id
            first_queued.set()
            second_started.wait(10)
            threading.Event().wait(0.5)  # the second's INSERT now waits on this row
            db.session.commit()

    def second() -> None:
        first_queued.wait(10)
        with app.app_context():
            second_started.set()
            try:
                ids["second"] = enqueue(channel="test", payload={"n": 2},
                                        dedupe_key="same").id
                db.session.commit()
            except BaseException as error:  # reported below
                errors.append(error)
                db.session.rollback()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert ids["first"] == ids["second"]
    with app.app_context():
        rows = db.session.execute(sa.select(OutboxMessage.dedupe_key, OutboxMessage.payload)
                                  ).all()
    assert [tuple(row) for row in rows] == [("same", {"n": 1})]
