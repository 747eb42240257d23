"""A notice decided by a worker instead of in the caller's transaction: ``notify_later``.

``notify()`` reads what a decision needs (earlier decisions, her settings, mutes, STOP
numbers, the day's count, and KRR, an HTTP call in production) inside the caller's
transaction. For a notice that answers a citizen's own action (the receipt of her wound
answers) that is her wait: a slow KRR, up to its timeouts, would be too. ``notify_later``
queues the request itself as an outbox message on the ``notice`` channel, in the caller's
transaction; a worker then decides it with ``notify()``, whose rows are queued and sent in
the worker's transaction. Same rules, same idempotency key, a moment later; the request
commits without waiting for any of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from services.actors import Actor, ActorKind
from services.notify import events
from services.notify.service import MAX_KEY, notify
from services.outbox import NewMessage, PermanentFailure, enqueue_many, sender
from services.people.service import NotFound

CHANNEL = "notice"
#: The notice's own outbox key: the caller's key and this (no longer than ``:email``).
SUFFIX = ":later"


def notify_later(*, person_id: int, event: str, context: Mapping[str, Any], actor: Actor,
                 key: str, urgent: bool = False, organisation_id: int | None = None) -> None:
    """:func:`services.notify.notify`'s request, decided by a worker after the commit.

    Refused at once, as ``notify`` would refuse it: an unknown event (``UnknownEvent``), a
    key too long or empty (``ValueError``), and a context that is not plain JSON
    (``TypeError``: a worker must get it as it is here).
    """
    events.event(event)
    if not key or len(key) > MAX_KEY:
        raise ValueError(f"a notification key is 1 to {MAX_KEY} characters")
    plain = dict(context)
    if json.loads(json.dumps(plain)) != plain:
        raise TypeError("a notice decided later needs a context of plain JSON values")
    enqueue_many([NewMessage(channel=CHANNEL, dedupe_key=key + SUFFIX, payload={
        "person_id": person_id, "event": event, "context": plain, "actor": actor.ref,
        "key": key, "urgent": urgent, "organisation_id": organisation_id})])


@sender(CHANNEL)
def decide(payload: dict[str, Any], message_id: int) -> None:
    """The worker's half: ``notify()`` as the caller would have called it."""
    kind, _, actor_id = payload["actor"].partition(":")
    try:
        notify(person_id=payload["person_id"], event=payload["event"],
               context=payload["context"], actor=Actor(ActorKind(kind), actor_id),
               key=payload["key"], urgent=payload["urgent"],
               organisation_id=payload["organisation_id"])
    except NotFound:
        raise PermanentFailure("the person is no longer registered") from None
    return None
