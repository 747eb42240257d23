"""The security log: refusals are noted during a request and written after its rollback."""

from services import audit
from services.actors import Actor
from services.audit.models import SecurityEvent
from services.db import db as _db
from tests.plugins.db import table_rows


def test_noted_refusals_are_written_in_a_transaction_after_the_rollback(db, frozen_clock):
    audit.record_refusal(actor=Actor.system("client-9", request_id="req-9"),
                         kind="insufficient_scope", target="system/Patient.r")
    _db.session.rollback()  # what the request boundary does after a 4xx
    assert audit.write_refusals() == 1
    _db.session.commit()
    [event] = table_rows(SecurityEvent)
    assert (event.kind, event.actor_kind, event.actor_id, event.target, event.request_id) == (
        "insufficient_scope", "system", "client-9", "system/Patient.r", "req-9")
    assert audit.write_refusals() == 0  # written once


def test_nothing_noted_writes_nothing(db):
    assert audit.write_refusals() == 0
    assert table_rows(SecurityEvent) == []
