"""The audit trail: one row per access, chained, append-only, and tampering is found."""

import hashlib
import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services import audit, jobs
from services.actors import Actor
from services.audit.models import AuditCheckpoint, AuditEvent
from services.audit.service import _HASHED_FIELDS, CHAINS, GENESIS, _digest
from services.clock import utcnow
from services.db import db as _db
from tests.plugins.db import table_rows


def _some_events(n=3):
    return [
        audit.record(actor=Actor.staff(7, organisation_id=1, request_id=f"req-{i}"),
                     action="read", resource_type="Procedure", resource_id=i,
                     subject_person_id=42, purpose="treatment")
        for i in range(n)
    ]


def test_rows_carry_who_whom_what_when_why_and_the_previous_hash(db, frozen_clock):
    first, second = _some_events(2)
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    stored = table_rows(AuditEvent)[-1]
    assert (stored.actor_kind, stored.actor_id, stored.actor_organisation_id) == ("staff", "7", 1)
    assert (stored.subject_person_id, stored.action, stored.resource_type) == (42, "read",
                                                                               "Procedure")
    assert stored.purpose == "treatment" and stored.request_id == "req-1"
    assert stored.occurred_at.tzinfo is not None


def test_an_untouched_chain_verifies(db):
    _some_events()
    report = audit.verify_chain()
    assert report.ok and report.checked >= 3


def test_the_database_refuses_updates_and_deletes(db):
    [event] = _some_events(1)
    for statement in (
        sa.update(AuditEvent).where(AuditEvent.id == event.id).values(purpose="x"),
        sa.delete(AuditEvent).where(AuditEvent.id == event.id),
    ):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), \
                db.session.begin_nested():
            db.session.execute(statement)


def _without_append_only_guard(db):
    """What a privileged attacker could do: switch the triggers off in this transaction."""
    if _dialect(db) == "postgresql":
        db.session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        db.session.execute(sa.text("DROP TRIGGER audit_events_no_update"))
        db.session.execute(sa.text("DROP TRIGGER audit_events_no_delete"))


def _dialect(db) -> str:
    return db.session.get_bind().dialect.name


def test_an_edited_row_is_detected(db):
    events = _some_events()
    _without_append_only_guard(db)
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == events[1].id)
                       .values(purpose="curiosity"))
    report = audit.verify_chain()
    assert not report.ok
    assert [(b.event_id, b.problem) for b in report.breaks] == [
        (events[1].id, "row contents changed")
    ]


def test_a_deleted_row_is_detected(db):
    events = _some_events()
    _without_append_only_guard(db)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[1].id))
    report = audit.verify_chain()
    assert [(b.event_id, b.problem) for b in report.breaks] == [
        (events[2].id, "previous row missing or changed")
    ]


def test_cli_verify_reports_ok_and_tampering(cli, db):
    events = _some_events()
    db.session.commit()
    ok = cli.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "audit trail intact" in ok.output

    _without_append_only_guard(db)
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == events[0].id)
                       .values(actor_id="someone-else"))
    db.session.commit()
    broken = cli.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"event {events[0].id}: row contents changed" in broken.output


def test_the_chain_survives_a_rolled_back_savepoint(db):
    _some_events(1)
    with pytest.raises(RuntimeError), db.session.begin_nested():
        _some_events(1)
        raise RuntimeError("undo the inner write")
    _some_events(1)
    db.session.commit()
    _some_events(1)
    assert audit.verify_chain().ok


# --- What each row stores, and the hash that covers it ------------------------------------

def test_a_row_stores_the_representative_and_the_resource_id_as_text(db):
    event = audit.record(actor=Actor.person(5, on_behalf_of=6), action="read",
                         resource_type="Patient", resource_id=6, subject_person_id=6,
                         purpose="self-service")
    without_id = audit.record(actor=Actor.system("client-1"), action="search",
                              resource_type="Patient", purpose="treatment")
    stored = {row.id: row for row in table_rows(AuditEvent)}
    assert (stored[event.id].on_behalf_of_person_id, stored[event.id].resource_id) == (6, "6")
    assert stored[without_id.id].resource_id is None
    assert stored[without_id.id].prev_hash == event.hash


def test_every_column_but_the_id_and_the_hash_itself_is_hashed():
    columns = {c.key for c in AuditEvent.__table__.columns}
    assert set(_HASHED_FIELDS) == columns - {"id", "hash"}


def test_the_hash_is_a_fixed_function_of_the_row():
    # Stored hashes must verify forever: a change to the canonical form breaks every trail.
    event = AuditEvent(
        chain=3, occurred_at=datetime(2026, 3, 2, 8, 0, 0, 123456, tzinfo=UTC),
        actor_kind="staff", actor_id="7", actor_organisation_id=1, on_behalf_of_person_id=None,
        subject_person_id=42, action="read", resource_type="Procedure", resource_id="9",
        purpose="treatment", reason="Åse ringte: «sårinfeksjon?»", request_id="req-1",
        prev_hash=GENESIS,
    )
    assert _digest(event) == "3ad469486d003a1dde6c99f9774947febff438e1a5a07364b72d81c14ebb1fdb"


TAMPERED = {
    "chain": lambda row: row.chain + 1,
    "occurred_at": lambda row: row.occurred_at + timedelta(microseconds=1),
    "actor_kind": lambda row: "person",
    "actor_id": lambda row: "someone-else",
    "actor_organisation_id": lambda row: 2,
    "on_behalf_of_person_id": lambda row: 99,
    "subject_person_id": lambda row: 43,
    "action": lambda row: "delete",
    "resource_type": lambda row: "Patient",
    "resource_id": lambda row: "999",
    "purpose": lambda row: "curiosity",
    "reason": lambda row: "no reason",
    "request_id": lambda row: "req-x",
    "prev_hash": lambda row: "f" * 64,
}


def test_every_hashed_field_has_a_tamper_test():
    assert set(TAMPERED) == set(_HASHED_FIELDS)


@pytest.mark.parametrize("field", sorted(TAMPERED))
def test_changing_any_hashed_field_is_detected(db, field):
    events = _some_events()
    _without_append_only_guard(db)
    row = db.session.get(AuditEvent, events[1].id)
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == row.id)
                       .values({field: TAMPERED[field](row)}))
    report = audit.verify_chain()
    assert (events[1].id, "row contents changed") in [(b.event_id, b.problem)
                                                       for b in report.breaks]


def test_a_replaced_hash_is_detected_at_the_row_and_the_next(db):
    events = _some_events()
    _without_append_only_guard(db)
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == events[1].id)
                       .values(hash="e" * 64))
    assert [(b.event_id, b.problem) for b in audit.verify_chain().breaks] == [
        (events[1].id, "row contents changed"),
        (events[2].id, "previous row missing or changed"),
    ]


# --- The bulk path -----------------------------------------------------------------------

def _bulk(accesses):
    audit.record_many(actor=Actor.system("hospital-system", request_id="bulk-1"),
                      action="create", resource_type="Patient", accesses=accesses,
                      purpose="registration")


def test_record_many_chains_its_rows_and_the_next_record_chains_after_them(db):
    before = audit.record(actor=Actor.operator("test"), action="read", resource_type="Patient",
                          purpose="registration")
    _bulk([(1, 11), ("2", 12), (None, None)])
    after = audit.record(actor=Actor.operator("test"), action="read", resource_type="Patient",
                         purpose="registration")
    rows = [r for r in table_rows(AuditEvent) if r.chain == before.chain]
    rows.sort(key=lambda r: r.id)
    assert [r.id for r in rows][-5:] == [before.id, *(r.id for r in rows[-4:-1]), after.id]
    bulk = rows[-4:-1]
    assert [(r.resource_id, r.subject_person_id) for r in bulk] == [("1", 11), ("2", 12),
                                                                     (None, None)]
    assert {(r.action, r.request_id, r.reason) for r in bulk} == {("create", "bulk-1", None)}
    assert [r.prev_hash for r in rows[-4:]] == [r.hash for r in rows[-5:-1]]
    assert audit.verify_chain().ok


def test_record_all_chains_accesses_of_several_kinds_in_their_order(db):
    before = audit.record(actor=Actor.operator("test"), action="read", resource_type="Patient",
                          purpose="self-service")
    audit.record_all(actor=Actor.person(7, request_id="page-1"), purpose="self-service",
                     accesses=[audit.Access("search", "Appointment", subject_person_id=7),
                               audit.Access("read", "EarlyScanConsent", 3, 7, reason="why"),
                               audit.Access("read", "PregnancyReport", None, 7)])
    rows = sorted((r for r in table_rows(AuditEvent) if r.chain == before.chain),
                  key=lambda r: r.id)
    assert [(r.action, r.resource_type, r.resource_id, r.subject_person_id, r.reason,
             r.request_id) for r in rows[-3:]] == [
        ("search", "Appointment", None, 7, None, "page-1"),
        ("read", "EarlyScanConsent", "3", 7, "why", "page-1"),
        ("read", "PregnancyReport", None, 7, None, "page-1")]
    assert [r.prev_hash for r in rows[-3:]] == [r.hash for r in rows[-4:-1]]
    assert audit.verify_chain().ok


def test_record_many_of_nothing_writes_nothing(db):
    _bulk([])
    assert table_rows(AuditEvent) == []


def test_one_altered_row_of_a_bulk_ingest_fails_verify(db):
    _bulk([(i, 100 + i) for i in range(5)])
    assert audit.verify_chain().ok
    third = sorted(r.id for r in table_rows(AuditEvent))[2]
    _without_append_only_guard(db)
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == third)
                       .values(subject_person_id=7))
    assert [(b.event_id, b.problem) for b in audit.verify_chain().breaks] == [
        (third, "row contents changed")]


# --- verify: the whole trail, in batches, per chain ----------------------------------------

def test_verify_reads_in_batches_without_skipping_or_repeating_a_row(db):
    events = _some_events(5)
    report = audit.verify_chain(batch_size=2)
    assert report.ok and report.checked == 5
    _without_append_only_guard(db)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[2].id))
    assert [(b.event_id, b.problem) for b in audit.verify_chain(batch_size=2).breaks] == [
        (events[3].id, "previous row missing or changed")]


def _row_in_another_chain(than: AuditEvent) -> AuditEvent:
    """A row as another transaction would have appended it to another chain."""
    row = AuditEvent(chain=(than.chain + 1) % CHAINS, prev_hash=GENESIS,
                     occurred_at=than.occurred_at, actor_kind="system", actor_id="x",
                     action="read", resource_type="Patient", purpose="treatment")
    row.hash = _digest(row)
    _db.session.add(row)
    _db.session.flush()
    return row


def test_rows_of_two_chains_interleaved_verify_and_make_one_head(db):
    first = _some_events(1)[0]
    foreign = _row_in_another_chain(first)
    other_chain = foreign.chain
    last = _some_events(1)[0]  # the transaction keeps to its own chain
    report = audit.verify_chain()
    assert report.ok and report.checked == 3
    heads = "".join(h for _, h in sorted({first.chain: last.hash,
                                          other_chain: foreign.hash}.items()))
    assert report.head == hashlib.sha256(heads.encode()).hexdigest()


def test_each_new_transaction_continues_the_chain_it_takes(db):
    # More transactions than chains: on PostgreSQL some must reuse a chain and read its head.
    for _ in range(CHAINS + 4):
        _some_events(1)
        db.session.commit()
    rows = sorted(table_rows(AuditEvent), key=lambda r: r.id)
    chains = {r.chain for r in rows}
    assert len([r for r in rows if r.prev_hash == GENESIS]) == len(chains) <= CHAINS
    if _dialect(db) == "postgresql":  # chains are drawn at random, so more than one is used
        assert len(chains) > 1
    assert audit.verify_chain().ok


def test_statements_compiled_afresh_still_chain(db, monkeypatch):
    # The compiled-statement cache is warm in any process that audited before; start cold.
    from services import driver

    monkeypatch.setattr(driver, "_compiled", {})
    _some_events(2)
    db.session.commit()
    _some_events(1)
    assert audit.verify_chain().ok


def test_a_transaction_keeps_to_one_chain(db):
    assert len({event.chain for event in _some_events(5)}) == 1


def test_an_empty_trail_has_the_genesis_head(db):
    report = audit.verify_chain()
    assert (report.ok, report.checked, report.head, report.checkpoints) == (True, 0, GENESIS, 0)


def test_a_missing_first_row_fails_verify(db):
    events = _some_events()
    _without_append_only_guard(db)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[0].id))
    assert [(b.event_id, b.problem) for b in audit.verify_chain().breaks] == [
        (events[1].id, "previous row missing or changed")]


# --- The ends of the chain: TRUNCATE refused, checkpoints ---------------------------------

def test_the_database_refuses_truncate(db):
    if _dialect(db) != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE without WHERE is refused as a DELETE")
    _some_events(1)
    for table in ("audit_events", "audit_checkpoints"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), \
                db.session.begin_nested():
            db.session.execute(sa.text(f"TRUNCATE {table}"))


def test_checkpoints_are_append_only(db, frozen_clock):
    _some_events(1)
    [checkpoint] = audit.take_checkpoints(now=utcnow())
    for statement in (
        sa.update(AuditCheckpoint).where(AuditCheckpoint.id == checkpoint.id).values(row_count=0),
        sa.delete(AuditCheckpoint).where(AuditCheckpoint.id == checkpoint.id),
    ):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), \
                db.session.begin_nested():
            db.session.execute(statement)


def test_a_checkpoint_records_each_grown_chain_once(db, frozen_clock, caplog):
    events = _some_events(2)
    with caplog.at_level(logging.INFO, logger="services.audit.service"):
        [checkpoint] = audit.take_checkpoints(now=utcnow())
    assert (checkpoint.chain, checkpoint.row_count, checkpoint.last_event_id,
            checkpoint.head_hash, checkpoint.taken_at) == (
        events[1].chain, 2, events[1].id, events[1].hash, utcnow())
    [line] = [r for r in caplog.records if r.message == "audit checkpoint"]
    assert (line.chain, line.rows, line.last_event_id, line.head_hash) == (
        events[1].chain, 2, events[1].id, events[1].hash)

    assert audit.take_checkpoints(now=utcnow()) == []  # nothing new
    newer = _some_events(1)[0]
    [again] = audit.take_checkpoints(now=utcnow())
    assert (again.row_count, again.last_event_id) == (3, newer.id)
    report = audit.verify_chain()
    assert report.ok and report.checkpoints == 2


def test_each_chain_has_its_own_checkpoint(db, frozen_clock):
    [event] = _some_events(1)
    foreign = _row_in_another_chain(event)
    taken = audit.take_checkpoints(now=utcnow())
    assert [(c.chain, c.row_count, c.last_event_id) for c in taken] == sorted(
        [(event.chain, 1, event.id), (foreign.chain, 1, foreign.id)])
    assert audit.take_checkpoints(now=utcnow()) == []
    assert audit.verify_chain().checkpoints == 2


def test_checkpoints_are_a_due_job(db, frozen_clock):
    from services.audit import DOMAIN

    # Every process loads what the domain declares (tests/test_domains.py holds the worker to it).
    assert "services.audit.tasks" in DOMAIN.registers
    assert jobs.registered_jobs()["audit.checkpoint"].every == timedelta(minutes=5)
    _some_events(1)
    [outcome] = jobs.run_due(now=utcnow(), only="audit.checkpoint")
    assert (outcome.ok, outcome.handled) == (True, 1)
    assert len(table_rows(AuditCheckpoint)) == 1


def _checkpointed_events(n=4):
    events = _some_events(n)
    audit.take_checkpoints(now=utcnow())
    return events


def test_rows_cut_from_the_end_are_detected(db, frozen_clock):
    events = _checkpointed_events()
    _without_append_only_guard(db)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id >= events[2].id))
    assert [(b.event_id, b.problem) for b in audit.verify_chain().breaks] == [
        (events[3].id, f"missing: checkpoint {_checkpoint_id()} recorded it as row 4 of chain "
                       f"{events[3].chain}")]


def test_an_emptied_trail_is_detected(db, frozen_clock):
    events = _checkpointed_events()
    _without_append_only_guard(db)
    if _dialect(db) == "postgresql":
        db.session.execute(sa.text("TRUNCATE audit_events"))
    else:  # SQLite has no TRUNCATE
        db.session.execute(sa.text("DELETE FROM audit_events"))
    report = audit.verify_chain()
    assert report.checked == 0 and not report.ok
    assert [b.event_id for b in report.breaks] == [events[3].id]


def test_a_rewritten_chain_without_its_first_row_fails_its_checkpoint(db, frozen_clock):
    # The attacker deletes the first row and recomputes every hash after it: the chain is
    # consistent again, but no longer what the checkpoint saw.
    events = _checkpointed_events(2)
    _without_append_only_guard(db)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[0].id))
    second = db.session.get(AuditEvent, events[1].id)
    second.prev_hash = GENESIS
    second.hash = _digest(second)
    db.session.flush()
    assert [(b.event_id, b.problem) for b in audit.verify_chain().breaks] == [
        (events[1].id, f"differs from checkpoint {_checkpoint_id()}")]


def _checkpoint_id() -> int:
    [checkpoint] = table_rows(AuditCheckpoint)
    return checkpoint.id


def test_cli_checkpoint_prints_the_heads_and_verify_counts_them(cli, db, frozen_clock):
    [event] = _some_events(1)
    db.session.commit()
    taken = cli.invoke(args=["audit", "checkpoint"])
    assert taken.exit_code == 0, taken.output
    assert taken.stdout.splitlines() == [
        f"chain {event.chain}: 1 rows, last event {event.id}, head {event.hash}",
        "1 checkpoint(s) taken"]
    verified = cli.invoke(args=["audit", "verify"])
    assert "audit trail intact: 1 rows, 1 checkpoints, head " in verified.output
