import pytest

from services.actors import Actor
from services.audit.models import AuditEvent
from services.people.staff_access import ReasonRequired, record_staff_read
from tests.plugins.db import table_rows

NURSE = Actor.staff(3, organisation_id=1, request_id="req-abcdefgh")


def _read(**kwargs):
    return record_staff_read(actor=NURSE, subject_person_id=42, resource_type="Procedure",
                             resource_id=9, purpose="quality-surveillance", **kwargs)


def test_reading_from_the_work_list_needs_no_reason(db):
    event = _read(on_worklist=True)
    assert (event.reason, event.purpose) == (None, "quality-surveillance")


@pytest.mark.parametrize("reason", [None, "", "   ", "ok"])
def test_outside_the_work_list_a_reason_is_required_and_nothing_is_logged(db, reason):
    with pytest.raises(ReasonRequired):
        _read(on_worklist=False, reason=reason)
    assert table_rows(AuditEvent) == []


def test_the_reason_is_kept_for_the_patient_to_see(db):
    event = _read(on_worklist=False, reason="  Pasienten ringte og ba om hjelp  ")
    assert event.reason == "Pasienten ringte og ba om hjelp"


def test_only_staff_reads_go_through_here(db):
    with pytest.raises(ValueError):
        record_staff_read(actor=Actor.person(1), subject_person_id=1, resource_type="x",
                          resource_id=1, purpose="p", on_worklist=True)
