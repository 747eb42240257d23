"""Hand message ids to the workers once the transaction that created them has committed."""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

_KEY = "outbox_publish"
log = logging.getLogger(__name__)


def _send_deliver_task(message_id: int) -> None:
    from services.outbox.tasks import deliver

    deliver.delay(message_id)


#: How an id reaches a worker; tests swap in a recorder.
publisher: Callable[[int], None] = _send_deliver_task


def after_commit(session: Session, message_id: int) -> None:
    """Remember ``message_id``; it is published when ``session`` commits, dropped on rollback."""
    session.info.setdefault(_KEY, []).append(message_id)


@sa.event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    message_ids = session.info.pop(_KEY, [])
    for position, message_id in enumerate(message_ids):
        try:
            publisher(message_id)
        except Exception:  # the sweep republishes them; the commit stands either way
            # A broker that refused one refuses the rest: trying each would hold the
            # caller for the client's retries (~0.6 s a message with Redis down).
            log.warning("could not publish outbox messages; the sweep will",
                        extra={"message_id": message_id,
                               "unpublished": len(message_ids) - position})
            return


@sa.event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)
