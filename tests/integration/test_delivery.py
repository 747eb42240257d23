"""Delivery semantics with real processes: a Celery worker on Redis, the app on a scratch
PostgreSQL database, the Twilio stub as a process, TWILIO_* pointing at it.

- A worker SIGKILLed mid-batch loses nothing: the sweep hands out its stale claims and
  the unclaimed rest of its batches, and a fresh worker sends them. Only a send in
  flight at the kill may go out twice; redelivered and duplicated tasks never send a row
  twice.
- With the broker down, services still commit; once Redis is back the sweep sends every
  message, each exactly once.

The sweep is the production code with its production constants, run with ``now`` moved
past ``STALE_CLAIM`` (or ``SWEEP_GRACE``), as beat's sweep runs when it comes round ten
minutes after the kill, and only while no live worker holds a claim (the Redis broker's
unacked set says so). A shorter stale-claim setting was the other way; it would test a
configuration nobody runs and, on a loaded machine, hand out the claim of a live worker
that was merely slow: a duplicate the code does not cause.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import flask_migrate
import pytest
import redis
import sqlalchemy as sa

from services import jobs
from services.actors import Actor
from services.clock import utcnow
from services.db import db
from services.notify.models import SmsStatus
from services.notify.service import send_test_message
from services.outbox import enqueue, publish
from services.outbox.models import OutboxMessage, OutboxStatus
from services.outbox.service import STALE_CLAIM, SWEEP_GRACE
from tests.integration.processes import (
    RedisServer,
    get_json,
    kill_group,
    post_json,
    run_cli,
    running,
    service_env,
    twilio_stub_process,
    wait_for,
    warm_stop,
    worker_command,
)
from tests.plugins.db import scratch_postgres_database
from tests.plugins.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

MESSAGES = 300
#: Pool processes per worker: each holds at most one claim, so at most this many sends
#: are in flight when the worker dies.
CONCURRENCY = 2
#: The first requests answer slowly, so the kill finds sends in flight (most of a
#: worker's time is then spent waiting for the stub) and the batch far from done, even
#: when this process polls late on a loaded machine.
SLOW_REQUESTS, SLOW_SECONDS, KILL_AFTER = 150, 0.05, 40


@pytest.fixture
def stack(make_app, tmp_path, monkeypatch, broker_publishing):
    """``start(broker_url)``: the scratch database (migrated), the stub, an app in this
    process to queue and inspect with, and the environment a worker needs."""
    with (scratch_postgres_database() as database_url,
          twilio_stub_process(log=tmp_path / "stub.log") as stub):
        started: list[Stack] = []

        def start(broker_url: str) -> Stack:
            monkeypatch.setenv("CELERY_BROKER_URL", broker_url)
            app = make_app(SQLALCHEMY_DATABASE_URI=database_url)
            with app.app_context():
                flask_migrate.upgrade()
            env = service_env(DATABASE_URL=database_url, CELERY_BROKER_URL=broker_url,
                              INSTANCE_DIR=str(tmp_path), TWILIO_ACCOUNT_SID=ACCOUNT_SID,
                              TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_FROM=FROM,
                              TWILIO_API_BASE_URL=stub)
            started.append(Stack(app=app, env=env, stub=stub, broker_url=broker_url,
                                 logs=tmp_path))
            return started[-1]

        yield start
        for made in started:
            made.app.extensions["celery"].close()
            with made.app.app_context():
                db.engine.dispose()


class Stack:
    def __init__(self, *, app, env: dict[str, str], stub: str, broker_url: str,
                 logs: Path) -> None:
        self.app, self.env, self.stub, self.broker_url, self.logs = (app, env, stub,
                                                                    broker_url, logs)

    def statuses(self) -> dict[int, OutboxStatus]:
        with self.app.app_context():
            rows = db.session.execute(sa.select(OutboxMessage.id, OutboxMessage.status))
            return {message_id: status for message_id, status in rows}

    def sms_statuses(self) -> list[int]:
        with self.app.app_context():
            return list(db.session.scalars(sa.select(SmsStatus.outbox_message_id)))

    def other_connections(self) -> int:
        """Connections to the scratch database besides this process's own."""
        with self.app.app_context():
            return db.session.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"))

    def counts(self) -> dict:
        status, counts = get_json(f"{self.stub}/_stub/counts")
        assert status == 200
        return counts

    def queued_tasks(self) -> int:
        with self._redis() as client:
            return sum(client.llen(key) for key in client.scan_iter("notifications*")
                       if client.type(key) == b"list")

    def unacked(self) -> set[bytes]:
        """Tasks some worker took and has not acknowledged (acks_late: until it finished)."""
        with self._redis() as client:
            return set(client.hkeys("unacked"))

    def _redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.broker_url)

    def sweep(self, *, ahead: timedelta) -> int:
        """The outbox sweep, as it runs ``ahead`` from now; how many messages it handed out."""
        with self.app.app_context():
            [outcome] = jobs.run_due(only="outbox.sweep", now=utcnow() + ahead)
            db.session.commit()  # publishes them
        assert outcome.ok, outcome.error
        return outcome.handled

    def worker(self, *, log: str):
        return running(worker_command(concurrency=CONCURRENCY), env=self.env,
                       log=self.logs / log)

    def wait_idle(self, *, besides: set[bytes], log: str) -> None:
        """Until the queue is empty and the running worker holds no task (``besides``:
        what a dead worker left unacknowledged)."""
        wait_for(lambda: self.queued_tasks() == 0 and self.unacked() <= besides,
                 timeout=90, what="an empty queue and an idle worker", log=self.logs / log)


def _queue_sms(count: int) -> dict[int, str]:
    """``count`` SMS with bodies of their own, committed (so published); id → body."""
    bodies = {}
    for n in range(count):
        body = f"Melding {n:04d} fra leveringstesten"
        message = enqueue(channel="sms", payload={"to": f"+4791{n:06d}", "body": body},
                          dedupe_key=f"delivery-test:{n}:sms")
        bodies[message.id] = body
    db.session.commit()
    return bodies


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_sends_in_flight(
        stack, redis_broker):
    run = stack(redis_broker)
    assert post_json(f"{run.stub}/_stub/faults",
                     [{"kind": "slow", "seconds": SLOW_SECONDS}] * SLOW_REQUESTS) == 204
    with run.app.app_context():
        bodies = _queue_sms(MESSAGES)
        # A duplicated task for every tenth row, queued behind the first ones.
        celery = run.app.extensions["celery"]
        for message_id in list(bodies)[::10]:
            celery.send_task("outbox.deliver", args=[message_id])

    with run.worker(log="worker-1.log") as first:
        wait_for(lambda: run.counts()["total"] >= KILL_AFTER, timeout=90,
                 what=f"{KILL_AFTER} sends", log=run.logs / "worker-1.log")
        kill_group(first)
    # Until the dead worker's connections are gone, a COMMIT it sent may still land.
    wait_for(lambda: run.other_connections() == 0, timeout=30, what="its connections gone")

    at_kill = run.statuses()
    in_flight = {i for i, status in at_kill.items() if status is OutboxStatus.SENDING}
    sent_at_kill = sum(status is OutboxStatus.SENT for status in at_kill.values())
    assert 0 < sent_at_kill < MESSAGES, "the kill should land mid-batch"
    assert len(in_flight) <= CONCURRENCY

    dead_hands = run.unacked()

    with run.worker(log="worker-2.log") as fresh:
        # The fresh worker does what is still queued, duplicated tasks included. The rows
        # the dead worker held stay as it left them: no task takes over a claim, and the
        # dead worker's own tasks wait in the unacked set for the visibility timeout (1 h).
        # Left: the claims in flight, and the rest of the dead worker's batches (a task
        # delivers up to publish.BATCH, one claim at a time), unclaimed and unsent.
        run.wait_idle(besides=dead_hands, log="worker-2.log")
        left = {i: s for i, s in run.statuses().items() if s is not OutboxStatus.SENT}
        assert {i for i, s in left.items() if s is OutboxStatus.SENDING} == in_flight
        assert set(left.values()) <= {OutboxStatus.SENDING, OutboxStatus.PENDING}
        assert len(left) <= CONCURRENCY * publish.BATCH

        # Ten minutes on, the sweep hands out the stale claims and any row whose only
        # task died with the worker.
        assert run.sweep(ahead=STALE_CLAIM + timedelta(minutes=1)) == len(left)
        wait_for(lambda: set(run.statuses().values()) == {OutboxStatus.SENT}, timeout=60,
                 what="every message sent", log=run.logs / "worker-2.log")
        run.wait_idle(besides=dead_hands, log="worker-2.log")
        warm_stop(fresh)

    counts = run.counts()
    by_body = counts["by_body"]
    repeated = {body for body, count in by_body.items() if count > 1}
    print(f"sent before the kill {sent_at_kill}, in flight {len(in_flight)}, left after "
          f"the queue {len(left)}, sent twice {len(repeated)}")
    assert set(by_body) == set(bodies.values())  # none lost
    assert max(by_body.values()) <= 2
    assert repeated <= {bodies[i] for i in in_flight}  # only an unknown outcome repeats
    assert counts["by_status"] == {"201": MESSAGES + len(repeated)}
    assert sorted(run.sms_statuses()) == sorted(bodies)  # one first status per message


def test_with_the_broker_down_services_commit_and_the_sweep_sends_each_message_once(
        stack, tmp_path, caplog):
    with RedisServer(log=tmp_path / "redis.log") as broker:  # not started: down
        run = stack(broker.url)

        # The operator's command, in a process of its own, and a service call here.
        done = run_cli(["notify", "test", "--to", "+4791000001"], env=run.env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "queued outbox message" in done.stdout
        assert "could not publish outbox messages" in done.stdout + done.stderr
        with run.app.app_context():
            for n in range(2, 6):
                send_test_message(actor=Actor.operator("delivery-test"), to=f"+47910000{n:02d}")
            db.session.commit()
        [warning] = [r for r in caplog.records if r.name == "services.outbox.publish"]
        assert warning.unpublished == 4
        assert set(run.statuses().values()) == {OutboxStatus.PENDING}
        assert len(run.statuses()) == 5

        broker.start()
        with run.worker(log="worker.log") as worker:
            # Beat's sweep, the first time it comes round after SWEEP_GRACE.
            assert run.sweep(ahead=SWEEP_GRACE + timedelta(minutes=1)) == 5
            wait_for(lambda: set(run.statuses().values()) == {OutboxStatus.SENT},
                     timeout=60, what="every message sent", log=tmp_path / "worker.log")
            run.wait_idle(besides=set(), log="worker.log")
            warm_stop(worker)

    counts = run.counts()
    [body] = counts["by_body"]
    assert counts["by_body"] == {body: 5} and counts["by_status"] == {"201": 5}
    assert len(run.sms_statuses()) == 5
