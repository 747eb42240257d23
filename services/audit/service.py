"""Write audit rows in the caller's transaction, and check the chain has not been broken.

A chain proves its middle: an edited or removed row breaks every hash after it. Its ends
are proved by checkpoints (``take_checkpoints``, a due job): each records a chain's row
count and head hash in a separate append-only table and in the log, so a trail emptied or
cut at either end no longer reaches them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services import driver
from services.actors import Actor
from services.audit.models import AuditCheckpoint, AuditEvent
from services.clock import utcnow
from services.db import db

log = logging.getLogger(__name__)

GENESIS = "0" * 64
_HEAD = "audit_chain_head"
#: Rows are spread over this many hash chains. A chain's appends are serialised by a lock
#: held until commit, so a single chain would let only one audited transaction commit at a
#: time (one disk flush each); with several, unrelated transactions rarely wait.
CHAINS = 16
#: Arbitrary base of the PostgreSQL advisory locks, one per chain.
_CHAIN_LOCK = 0x4D484100  # "MHA."
_HASHED_FIELDS = (
    "chain", "occurred_at", "actor_kind", "actor_id", "actor_organisation_id",
    "on_behalf_of_person_id", "subject_person_id", "action", "resource_type", "resource_id",
    "purpose", "reason", "request_id", "prev_hash",
)


def record(**fields: Any) -> AuditEvent:
    """:func:`append`, returning a detached record of the row for callers that keep it."""
    return AuditEvent(**append(**fields))


def append(
    *,
    actor: Actor,
    action: str,
    resource_type: str,
    resource_id: str | int | None = None,
    subject_person_id: int | None = None,
    purpose: str,
    reason: str | None = None,
) -> dict:
    """Append one audit row, chained to the previous one, in the current transaction; the
    row's columns. No ORM object is built: this runs on every FHIR read and search hit."""
    values = _fields(actor=actor, action=action, resource_type=resource_type,
                     resource_id=resource_id, subject_person_id=subject_person_id,
                     purpose=purpose, reason=reason)
    session = db.session()
    connection = session.connection()
    values["chain"], values["prev_hash"] = _chain_head(session, connection)
    values["hash"] = _hash_of(values)
    # Not the unit of work: rows are never changed after, and this runs on every read of
    # health data.
    values["id"] = _insert(connection, values)
    session.info[_HEAD] = (values["chain"], values["hash"])
    return values


def record_many(
    *,
    actor: Actor,
    action: str,
    resource_type: str,
    accesses: list[tuple[str | int | None, int | None]],
    purpose: str,
) -> None:
    """Append one row per (resource id, subject person id), in one statement (bulk ingest)."""
    record_all(actor=actor, purpose=purpose, accesses=[
        Access(action=action, resource_type=resource_type, resource_id=resource_id,
               subject_person_id=subject_person_id)
        for resource_id, subject_person_id in accesses])


@dataclass(frozen=True)
class Access:
    """One row for ``record_all``: what was done to what, of whom."""

    action: str
    resource_type: str
    resource_id: str | int | None = None
    subject_person_id: int | None = None
    reason: str | None = None


def record_all(*, actor: Actor, purpose: str, accesses: Sequence[Access]) -> None:
    """Append one row per access, chained in their order, in one statement (a page that
    shows several kinds of health data audits each kind)."""
    if not accesses:
        return
    if len(accesses) == 1:  # the single-row INSERT is the cheaper
        # Its fields as they are (``dataclasses.asdict`` deep-copies, at a search's every hit).
        append(actor=actor, purpose=purpose, **vars(accesses[0]))
        return
    session = db.session()
    connection = session.connection()
    chain, prev = _chain_head(session, connection)
    rows = []
    for access in accesses:
        values = _fields(actor=actor, action=access.action,
                         resource_type=access.resource_type, resource_id=access.resource_id,
                         subject_person_id=access.subject_person_id, purpose=purpose,
                         reason=access.reason)
        values["chain"], values["prev_hash"] = chain, prev
        values["hash"] = prev = _hash_of(values)
        rows.append(values)
    if connection.dialect.name == "postgresql":  # one INSERT, on the cursor: services.driver
        driver.insert_many(connection, AuditEvent.__table__, [
            {**values, "occurred_at": values["occurred_at"].astimezone(UTC)} for values in rows])
    else:
        session.execute(sa.insert(AuditEvent), rows)
    session.info[_HEAD] = (chain, prev)


def _fields(*, actor: Actor, action: str, resource_type: str, resource_id: str | int | None,
            subject_person_id: int | None, purpose: str, reason: str | None) -> dict:
    return {
        "occurred_at": utcnow(),
        "actor_kind": actor.kind.value,
        "actor_id": actor.id,
        "actor_organisation_id": actor.organisation_id,
        "on_behalf_of_person_id": actor.on_behalf_of,
        "subject_person_id": subject_person_id,
        "action": action,
        "resource_type": resource_type,
        "resource_id": None if resource_id is None else str(resource_id),
        "purpose": purpose,
        "reason": reason,
        "request_id": actor.request_id,
    }


_INSERTED = [c for c in AuditEvent.__table__.columns if c.key != "id"]
_INSERT = (sa.insert(AuditEvent)
           .values({c.key: sa.bindparam(c.key, type_=c.type) for c in _INSERTED})
           .returning(AuditEvent.id))


def _insert(connection: sa.Connection, values: dict) -> int:
    if connection.dialect.name == "postgresql":  # on the cursor: see services.driver
        values = {**values, "occurred_at": values["occurred_at"].astimezone(UTC)}
        return driver.scalar(connection, _INSERT, values)
    return connection.execute(_INSERT, values).scalar_one()


#: Lock a chain and read its head in one round trip (migration "audit chain head function").
_LOCK_AND_READ_HEAD = sa.select(sa.func.audit_chain_head(
    sa.bindparam("lock_key", type_=sa.BigInteger), sa.bindparam("chain", type_=sa.SmallInteger)))
_HEAD_OF_CHAIN = (sa.select(AuditEvent.hash).where(AuditEvent.chain == sa.bindparam("chain"))
                  .order_by(AuditEvent.id.desc()).limit(1))


def _chain_head(session: Session, connection: sa.Connection) -> tuple[int, str]:
    """A chain for this transaction and its newest hash. Looked up under the chain's lock
    once per transaction, then kept: nobody else appends to it until this one ends."""
    head = session.info.get(_HEAD)
    if head is None:
        if connection.dialect.name == "postgresql":
            chain = secrets.randbelow(CHAINS)
            prev = driver.scalar(connection, _LOCK_AND_READ_HEAD,
                                  {"lock_key": _CHAIN_LOCK + chain, "chain": chain})
        else:  # SQLite serialises writers itself
            chain, prev = 0, db.session.scalar(_HEAD_OF_CHAIN, {"chain": 0})
        head = (chain, prev or GENESIS)
    return head


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_head(session: Session, *_args) -> None:
    # After commit the lock is gone; after any rollback (a SAVEPOINT too) the cached row
    # may be gone. Either way the next append must look again.
    session.info.pop(_HEAD, None)


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    problem: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: str
    breaks: list[ChainBreak]
    #: How many checkpoints the trail was held against.
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return not self.breaks


def verify_chain(*, batch_size: int = 5000) -> ChainReport:
    """Recompute every hash in order; report rows edited, gaps where rows were deleted, and
    checkpoints the trail no longer reaches (rows cut from either end, or all of them)."""
    breaks: list[ChainBreak] = []
    heads: dict[int, str] = {}
    counts: dict[int, int] = {}
    expected = {cp.last_event_id: cp for cp in db.session.execute(
        sa.select(AuditCheckpoint.id, AuditCheckpoint.chain, AuditCheckpoint.row_count,
                  AuditCheckpoint.last_event_id, AuditCheckpoint.head_hash))}
    checkpoints = len(expected)
    checked = 0
    for event in _in_order(batch_size):
        checked += 1
        counts[event.chain] = counts.get(event.chain, 0) + 1
        if event.prev_hash != heads.get(event.chain, GENESIS):
            breaks.append(ChainBreak(event.id, "previous row missing or changed"))
        if _digest(event) != event.hash:
            breaks.append(ChainBreak(event.id, "row contents changed"))
        heads[event.chain] = event.hash
        checkpoint = expected.pop(event.id, None)
        if checkpoint is not None and not _reaches(checkpoint, event, counts[event.chain]):
            breaks.append(ChainBreak(event.id, f"differs from checkpoint {checkpoint.id}"))
    for checkpoint in sorted(expected.values()):
        breaks.append(ChainBreak(checkpoint.last_event_id,
                                 f"missing: checkpoint {checkpoint.id} recorded it as row "
                                 f"{checkpoint.row_count} of chain {checkpoint.chain}"))
    digest = hashlib.sha256("".join(heads[c] for c in sorted(heads)).encode()).hexdigest()
    return ChainReport(checked=checked, head=digest if heads else GENESIS, breaks=breaks,
                       checkpoints=checkpoints)


def _reaches(checkpoint: sa.Row, event: sa.Row, row_count: int) -> bool:
    """Whether ``event``, the ``row_count``-th row of its chain, is what ``checkpoint`` saw."""
    return (checkpoint.chain, checkpoint.row_count, checkpoint.head_hash) == (
        event.chain, row_count, event.hash)


def take_checkpoints(*, now: datetime) -> list[AuditCheckpoint]:
    """Record the head of every chain that has grown since its last checkpoint.

    Each is logged too: shipped with the logs, the heads have a witness outside the
    database that whoever can rewrite both tables cannot reach.
    """
    latest = sa.select(sa.func.max(AuditCheckpoint.id)).group_by(AuditCheckpoint.chain)
    known = {(cp.chain, cp.row_count, cp.last_event_id) for cp in db.session.execute(
        sa.select(AuditCheckpoint.chain, AuditCheckpoint.row_count,
                  AuditCheckpoint.last_event_id).where(AuditCheckpoint.id.in_(latest)))}
    taken = [
        AuditCheckpoint(taken_at=now, chain=head.chain, row_count=head.row_count,
                        last_event_id=head.last_event_id, head_hash=head.hash)
        for head in _chain_heads()
        if (head.chain, head.row_count, head.last_event_id) not in known
    ]
    db.session.add_all(taken)
    db.session.flush()
    for checkpoint in taken:
        log.info("audit checkpoint", extra={
            "chain": checkpoint.chain, "rows": checkpoint.row_count,
            "last_event_id": checkpoint.last_event_id, "head_hash": checkpoint.head_hash})
    return taken


def _chain_heads() -> list[sa.Row]:
    """Each chain's row count, last row id and that row's hash, in one statement (so one
    snapshot: a row committed meanwhile is later in its chain than every row counted)."""
    heads = (sa.select(AuditEvent.chain, sa.func.count().label("row_count"),
                       sa.func.max(AuditEvent.id).label("last_event_id"))
             .group_by(AuditEvent.chain).subquery())
    return db.session.execute(
        sa.select(heads.c.chain, heads.c.row_count, heads.c.last_event_id, AuditEvent.hash)
        .join(AuditEvent, AuditEvent.id == heads.c.last_event_id)
        .order_by(heads.c.chain)
    ).all()


def _in_order(batch_size: int) -> Iterator[sa.Row]:
    """Plain rows, in batches: the chain may be long and need not fill the identity map."""
    columns = [AuditEvent.id, AuditEvent.hash, *(getattr(AuditEvent, f) for f in _HASHED_FIELDS)]
    last_id = 0
    while True:
        batch = db.session.execute(
            sa.select(*columns).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
            .limit(batch_size)
        ).all()
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def _digest(event: AuditEvent | sa.Row) -> str:
    return _hash_of({name: getattr(event, name) for name in _HASHED_FIELDS})


def _hash_of(values: dict) -> str:
    fields = {name: values[name] for name in _HASHED_FIELDS}
    fields["occurred_at"] = values["occurred_at"].isoformat(timespec="microseconds")
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
