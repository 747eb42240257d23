"""The audit trail: one row per access, chained, append-only, and tampering is found."""

import pytest
import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.audit.models import AuditEvent
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
    """What a privileged attacker could do: switch the trigger off in this transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        )
    else:
        db.session.execute(sa.text("DROP TRIGGER audit_events_no_update"))
        db.session.execute(sa.text("DROP TRIGGER audit_events_no_delete"))


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
