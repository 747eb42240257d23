"""Test data for wound follow-up: an operation and its case, stored directly (the FHIR
ingest has its own tests)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from services.db import db
from services.wound.models import CaseState, FollowUp, Operation

_numbers = itertools.count(1)
#: Operated at 09:00 Oslo on Monday 2 March 2026; invited on 1 April.
OPERATED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DUE = date(2026, 4, 1)


def make_case(person, hospital, *, performed_at: datetime = OPERATED, due_on: date = DUE,
              category: str = "CSEC", state: CaseState = CaseState.SCHEDULED,
              muted_reason: str | None = None, discharged_on: date | None = None,
              **case_fields) -> FollowUp:
    operation = Operation(
        person_id=person.id, identifier_system="urn:test:operations",
        identifier_value=f"op-{next(_numbers)}", category=category, performed_at=performed_at,
        duration_minutes=45, asa_class=2, wound_class=2, emergency=False,
        antibiotic_prophylaxis=True, endoscopic=False, implant=False,
        organisation_id=hospital.id, nnis_index=0, discharged_on=discharged_on)
    db.session.add(operation)
    db.session.flush()
    case = FollowUp(operation_id=operation.id, person_id=person.id,
                    organisation_id=hospital.id, due_on=due_on, state=state,
                    questionnaire_url="https://minhelse.no/fhir/Questionnaire/"
                                      "wound-infection-followup",
                    questionnaire_version="1.0", muted_reason=muted_reason, **case_fields)
    db.session.add(case)
    db.session.commit()
    return case
