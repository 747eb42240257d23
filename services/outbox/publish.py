"""Hand message ids to the workers once the transaction that created them has committed.

SQLAlchemy announces the release of a SAVEPOINT as a commit, and its rollback as a
rollback. Neither ends the real transaction, so an id is kept with the (nested) transaction
that enqueued it: released, it passes to the enclosing one; rolled back, it is dropped with
it; only the outermost commit publishes. Publishing at a savepoint would hand a worker a
row its transaction has not yet made visible (it finds nothing to claim and skips it), and
a rolled-back entry of a batch would take the others' messages with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

_KEY = "outbox_publish"
log = logging.getLogger(__name__)


#: A task delivers up to BATCH messages, one after the other (``outbox.deliver_many``):
#: a task costs a worker ~3.5 ms of CPU besides its sends (Celery's hand-off, acks and
#: tracing), more than a send itself. A worker killed mid-batch leaves the rest of its
#: batches for the sweep (SWEEP_GRACE), unsent, so not much larger.
BATCH = 20
#: Up to DIRECT batches a commit publishes itself, one task each; more go as tasks of up
#: to FAN_OUT ids, which a worker turns into batches. A publish costs the committing
#: process ~1.4 ms (Celery's message, a Redis round trip): 31,000 invitations committed
#: at once would hold it 2 s in publishes of batches, ~0.1 s as fan-outs.
DIRECT = 50
FAN_OUT = 500


def batches(message_ids: list[int]) -> list[list[int]]:
    return [message_ids[start:start + BATCH] for start in range(0, len(message_ids), BATCH)]


def _send_deliver_tasks(message_ids: list[int]) -> None:
    from services.outbox.tasks import deliver_many, fan_out

    if len(message_ids) <= DIRECT * BATCH:
        for batch in batches(message_ids):
            deliver_many.delay(batch)
        return
    for start in range(0, len(message_ids), FAN_OUT):
        fan_out.delay(message_ids[start:start + FAN_OUT])


#: How a committed transaction's ids reach the workers (all of them in one call, in the
#: order enqueued); tests swap in a recorder.
publisher: Callable[[list[int]], None] = _send_deliver_tasks


def after_commit(session: Session | scoped_session, message_id: int) -> None:
    """Remember ``message_id``; it is published when ``session`` commits, dropped on rollback."""
    if isinstance(session, scoped_session):
        session = session()
    session.info.setdefault(_KEY, {}).setdefault(_innermost(session), []).append(message_id)


def _innermost(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


def _inside(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    """Whether ``transaction`` is ``ended`` or nested in it (None: the root, not yet begun)."""
    if transaction is None:
        return ended.parent is None
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@sa.event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    # Ids are kept per transaction, so a savepoint's release moves only its own list: a
    # batch of thousands with a savepoint each stays linear.
    pending: dict[SessionTransaction | None, list[int]] = session.info.get(_KEY, {})
    committed = _innermost(session)
    if committed is not None and committed.nested:
        moved = pending.pop(committed, None)
        if moved:
            pending.setdefault(committed.parent, []).extend(moved)
        return
    message_ids = [message_id for ids in session.info.pop(_KEY, {}).values()
                   for message_id in ids]
    if not message_ids:
        return
    try:
        publisher(message_ids)
    except Exception:  # the sweep republishes them; the commit stands either way
        # A broker that refused one refuses the rest: the publisher gives up at the
        # first refusal rather than hold the caller for the client's retries (~0.6 s a
        # message with Redis down).
        log.warning("could not publish outbox messages; the sweep will",
                    extra={"message_id": message_ids[0], "unpublished": len(message_ids)})


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_KEY)
    if pending:
        for owner in [owner for owner in pending if _inside(owner, previous_transaction)]:
            del pending[owner]
