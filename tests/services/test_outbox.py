"""The outbox: nothing leaves before commit, nothing is sent twice, failures retry."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from services import jobs
from services.outbox import PermanentFailure, TemporaryFailure, enqueue, publish, sender
from services.outbox.models import OutboxMessage, OutboxStatus
from services.outbox.service import MAX_ATTEMPTS, claim, deliver_claimed
from services.outbox.tasks import deliver
from tests.plugins.clock import T0
from tests.plugins.db import table_rows


@pytest.fixture
def channel():
    """A stand-in channel that records what it was asked to send."""
    sent: list[tuple[dict, int]] = []
    behaviour: list[Exception | None] = []

    def send(payload, message_id):
        outcome = behaviour.pop(0) if behaviour else None
        if outcome is not None:
            raise outcome
        sent.append((payload, message_id))
        return f"ext-{message_id}"

    sender("test")(send)  # tests/plugins/registries.py removes it after the test
    return sent, behaviour


def _enqueue(key="k1"):
    return enqueue(channel="test", payload={"to": "+4790000000", "text": "Hei"}, dedupe_key=key)


def test_published_only_after_commit_and_not_after_rollback(db, published_messages):
    first = _enqueue("commit-me")
    assert published_messages == []
    db.session.commit()
    assert published_messages == [first.id]

    _enqueue("roll-me-back")
    db.session.rollback()
    assert published_messages == [first.id]


def test_a_released_savepoint_publishes_at_the_outer_commit_not_before(db, published_messages):
    with db.session.begin_nested():
        inner = _enqueue("in-a-savepoint")
    assert published_messages == []  # a worker would not see the row yet
    db.session.commit()
    assert published_messages == [inner.id]


def test_a_rolled_back_savepoint_drops_its_messages_and_keeps_the_others(db, published_messages):
    before = _enqueue("before")
    with db.session.begin_nested():
        kept = _enqueue("kept")
    try:
        with db.session.begin_nested():
            _enqueue("refused")
            with db.session.begin_nested():
                _enqueue("refused-deeper")
            raise RuntimeError("this entry is refused")
    except RuntimeError:
        pass
    after = _enqueue("after")
    db.session.commit()
    assert published_messages == [before.id, kept.id, after.id]


def test_the_sweep_publishes_when_its_caller_commits(db, channel, published_messages,
                                                      frozen_clock):
    lost = _enqueue("lost")
    db.session.commit()
    published_messages.clear()
    jobs.run_due(only="outbox.sweep", now=T0 + timedelta(minutes=3))  # in a savepoint
    assert published_messages == []
    db.session.commit()
    assert published_messages == [lost.id]


def test_a_broker_refusing_at_commit_leaves_the_commit_and_the_rest_to_the_sweep(
        db, monkeypatch, caplog):
    attempts: list[int] = []

    def broker_down(message_ids: list[int]) -> None:
        attempts.append(message_ids)
        raise ConnectionError("Connection refused")

    monkeypatch.setattr(publish, "publisher", broker_down)
    messages = [_enqueue(f"down-{n}") for n in range(3)]
    db.session.commit()

    assert attempts == [[m.id for m in messages]]  # one attempt, not one per message
    assert {m.status for m in table_rows(OutboxMessage)} == {OutboxStatus.PENDING}
    [warning] = [r for r in caplog.records if r.name == "services.outbox.publish"]
    assert warning.levelname == "WARNING" and warning.unpublished == 3


def test_enqueue_is_idempotent_on_the_dedupe_key(db):
    assert _enqueue("same").id == _enqueue("same").id
    assert len(table_rows(OutboxMessage)) == 1


def test_delivery_sends_once_even_when_the_task_is_redelivered(db, channel, frozen_clock):
    sent, _ = channel
    message = _enqueue()
    db.session.commit()
    assert deliver.run(message.id) == "sent"
    assert deliver.run(message.id) == "skipped"  # a redelivered task
    assert len(sent) == 1
    stored = db.session.get(OutboxMessage, message.id)
    assert stored.status is OutboxStatus.SENT and stored.external_id == f"ext-{message.id}"


def test_a_claimed_message_cannot_be_claimed_again(db, channel):
    message = _enqueue()
    assert claim(message_id=message.id) is not None
    assert claim(message_id=message.id) is None


def test_temporary_failures_back_off_then_succeed(db, channel, frozen_clock):
    sent, behaviour = channel
    behaviour.append(TemporaryFailure("503 from receiver"))
    message = _enqueue()
    first = deliver_claimed(message=claim(message_id=message.id))
    assert first.status is OutboxStatus.PENDING
    assert timedelta(seconds=15) <= first.retry_in <= timedelta(seconds=30)
    assert claim(message_id=message.id) is None  # not due yet
    frozen_clock.shift(first.retry_in)
    assert deliver_claimed(message=claim(message_id=message.id)).status is OutboxStatus.SENT
    assert db.session.get(OutboxMessage, message.id).attempts == 2
    assert len(sent) == 1


def test_permanent_failure_is_dead_at_once(db, channel):
    _, behaviour = channel
    behaviour.append(PermanentFailure("400: invalid number"))
    message = _enqueue()
    assert deliver_claimed(message=claim(message_id=message.id)).status is OutboxStatus.DEAD
    assert db.session.get(OutboxMessage, message.id).last_error == "400: invalid number"


def test_too_many_temporary_failures_end_dead(db, channel, frozen_clock):
    _, behaviour = channel
    message = _enqueue()
    for _ in range(MAX_ATTEMPTS):
        behaviour.append(TemporaryFailure("timeout"))
        outcome = deliver_claimed(message=claim(message_id=message.id))
        frozen_clock.shift(timedelta(hours=2))
    assert outcome.status is OutboxStatus.DEAD
    assert "gave up after 10 attempts" in db.session.get(OutboxMessage, message.id).last_error


def test_unknown_channel_is_a_permanent_failure(db):
    message = enqueue(channel="pigeon", payload={}, dedupe_key="p")
    assert deliver_claimed(message=claim(message_id=message.id)).status is OutboxStatus.DEAD


def test_sweep_republishes_lost_and_stale_messages(db, channel, published_messages,
                                                   frozen_clock):
    lost = _enqueue("lost")
    stuck = _enqueue("stuck")
    db.session.commit()
    published_messages.clear()  # pretend the broker never got them
    claim(message_id=stuck.id)  # a worker claimed it, then died
    db.session.commit()

    jobs.run_due(only="outbox.sweep")
    db.session.commit()
    assert published_messages == []  # the task published at commit may still be on its way

    frozen_clock.shift(timedelta(minutes=3))
    jobs.run_due(only="outbox.sweep")
    db.session.commit()
    assert published_messages == [lost.id]

    frozen_clock.shift(timedelta(minutes=8))
    jobs.run_due(only="outbox.sweep")
    db.session.commit()
    assert sorted(published_messages[1:]) == sorted([lost.id, stuck.id])


def test_a_held_message_is_published_by_the_sweep_when_due_not_at_commit(
        db, channel, published_messages, frozen_clock):
    held = enqueue(channel="test", payload={}, dedupe_key="held",
                   not_before=T0 + timedelta(hours=9))
    db.session.commit()
    assert published_messages == []
    assert claim(message_id=held.id) is None

    frozen_clock.shift(timedelta(hours=9) - timedelta(minutes=1))  # the sweep runs each minute
    jobs.run_due(only="outbox.sweep")
    db.session.commit()
    assert published_messages == []

    frozen_clock.shift(timedelta(minutes=1))
    jobs.run_due(only="outbox.sweep")
    db.session.commit()
    assert published_messages == [held.id]  # at its time, not a grace period later
    assert deliver.run(held.id) == "sent"


def test_a_not_before_in_the_past_is_published_at_commit(db, published_messages, frozen_clock):
    message = enqueue(channel="test", payload={}, dedupe_key="now",
                      not_before=T0 - timedelta(minutes=1))
    db.session.commit()
    assert published_messages == [message.id]


@pytest.mark.parametrize(("retry_after", "at_least"), [
    (timedelta(minutes=5), timedelta(minutes=5)),  # the receiver's wish beats the backoff
    (timedelta(seconds=1), timedelta(seconds=15)),  # a shorter wish never shortens it
])
def test_a_temporary_failure_waits_at_least_the_receivers_retry_after(
        db, channel, frozen_clock, retry_after, at_least):
    _, behaviour = channel
    behaviour.append(TemporaryFailure("429 Too Many Requests", retry_after=retry_after))
    message = _enqueue()
    outcome = deliver_claimed(message=claim(message_id=message.id))
    assert outcome.status is OutboxStatus.PENDING
    assert at_least <= outcome.retry_in <= max(at_least, timedelta(seconds=30))
    frozen_clock.shift(outcome.retry_in - timedelta(seconds=1))
    assert claim(message_id=message.id) is None


def test_a_commit_is_published_in_batches_and_a_large_one_as_fan_outs(monkeypatch):
    from services.outbox import tasks

    batches, fanned = [], []
    monkeypatch.setattr(tasks.deliver_many, "delay", batches.append)
    monkeypatch.setattr(tasks.fan_out, "delay", fanned.append)
    publish._send_deliver_tasks([7])
    assert batches == [[7]] and fanned == []

    batches.clear()
    ids = list(range(1, publish.DIRECT * publish.BATCH + 1))
    publish._send_deliver_tasks(ids)
    assert [len(batch) for batch in batches] == [publish.BATCH] * publish.DIRECT
    assert [i for batch in batches for i in batch] == ids and fanned == []

    batches.clear()
    ids = list(range(1, publish.DIRECT * publish.BATCH + 2))  # one more: fan-outs
    publish._send_deliver_tasks(ids)
    assert batches == [] and [i for chunk in fanned for i in chunk] == ids
    assert {len(chunk) for chunk in fanned[:-1]} == {publish.FAN_OUT}

    assert tasks.fan_out.run(fanned[0]) == publish.FAN_OUT
    assert [len(batch) for batch in batches] == [publish.BATCH] * (publish.FAN_OUT // publish.BATCH)
    assert [i for batch in batches for i in batch] == fanned[0]


def test_a_batch_is_delivered_one_claim_at_a_time(db, frozen_clock):
    from services.outbox.tasks import deliver_many

    seen: list[dict[int, OutboxStatus]] = []

    def send(payload, message_id):
        db.session.expire_all()
        seen.append({m.id: m.status for m in table_rows(OutboxMessage)})
        return f"ext-{message_id}"

    sender("test")(send)
    messages = [_enqueue(f"batch-{n}") for n in range(3)]
    db.session.commit()
    ids = [m.id for m in messages]
    assert deliver_many.run(ids) == 3
    # While one is sent, those before it are sent, it alone is claimed, the rest wait.
    assert seen == [{ids[0]: OutboxStatus.SENDING, ids[1]: OutboxStatus.PENDING,
                     ids[2]: OutboxStatus.PENDING},
                    {ids[0]: OutboxStatus.SENT, ids[1]: OutboxStatus.SENDING,
                     ids[2]: OutboxStatus.PENDING},
                    {ids[0]: OutboxStatus.SENT, ids[1]: OutboxStatus.SENT,
                     ids[2]: OutboxStatus.SENDING}]
    db.session.expire_all()
    assert {m.status for m in table_rows(OutboxMessage)} == {OutboxStatus.SENT}
    assert deliver_many.run(ids) == 0  # a redelivered task sends nothing twice
    assert len(seen) == 3


def test_a_batch_skips_what_is_sent_or_claimed_and_retries_a_failure_on_its_own(
        db, channel, frozen_clock, monkeypatch):
    from services.outbox.tasks import deliver, deliver_many

    sent, behaviour = channel
    retried: list[tuple[tuple, float]] = []
    monkeypatch.setattr(deliver, "apply_async",
                        lambda args, countdown: retried.append((args, countdown)))
    done, held, failing, last = (_enqueue(f"m-{n}") for n in range(4))
    db.session.commit()
    deliver.run(done.id)
    claim(message_id=held.id)  # another worker holds it
    db.session.commit()
    behaviour.append(TemporaryFailure("503 from receiver"))  # for `failing`

    assert deliver_many.run([done.id, held.id, failing.id, last.id]) == 1
    assert [message_id for _, message_id in sent] == [done.id, last.id]
    [((retry_id,), countdown)] = retried
    assert retry_id == failing.id and 15 <= countdown <= 30
    db.session.expire_all()
    assert db.session.get(OutboxMessage, failing.id).status is OutboxStatus.PENDING
    assert db.session.get(OutboxMessage, held.id).status is OutboxStatus.SENDING


def test_an_error_in_a_batch_hands_the_rest_on_and_leaves_its_message_claimed(
        db, channel, frozen_clock, monkeypatch):
    from services.outbox.tasks import deliver_many

    _, behaviour = channel
    handed_on: list[list[int]] = []
    monkeypatch.setattr(deliver_many, "delay", handed_on.append)
    first, broken, *rest = (_enqueue(f"e-{n}") for n in range(4))
    db.session.commit()
    behaviour.extend([None, RuntimeError("a bug in the channel")])

    with pytest.raises(RuntimeError, match="a bug"):
        deliver_many.run([first.id, broken.id, *(m.id for m in rest)])
    assert handed_on == [[m.id for m in rest]]
    db.session.expire_all()
    assert db.session.get(OutboxMessage, first.id).status is OutboxStatus.SENT
    # Its outcome is unknown: the sweep hands it out after STALE_CLAIM.
    assert db.session.get(OutboxMessage, broken.id).status is OutboxStatus.SENDING
    assert {db.session.get(OutboxMessage, m.id).status for m in rest} == {OutboxStatus.PENDING}


def test_the_workers_commits_do_not_wait_for_the_disk_on_postgresql(db):
    from services.db import asynchronous_commit

    def setting() -> str:
        return db.session.execute(sa.text("SHOW synchronous_commit")).scalar_one()

    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    before = setting()
    asynchronous_commit()  # SET LOCAL: until the end of this transaction only
    assert (before, setting()) == ("on", "off")
