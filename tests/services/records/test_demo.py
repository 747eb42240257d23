"""The record demo: documents for the demo citizens, as each viewer sees them, access-log
entries with purposes, one answered and one open "ask why"; seeding twice adds nothing."""

from __future__ import annotations

import sqlalchemy as sa

from services.clock import utcnow
from services.db import db
from services.demo import seed_demo_data
from services.people.models import Person
from services.records.access import Viewer, ViewerKind, visible
from services.records.models import AccessQuestion, Document, QuestionStatus
from tests.plugins.db import table_rows


def _titles(given_name: str) -> list[str]:
    person = db.session.scalar(sa.select(Person).where(Person.given_name == given_name))
    statement = sa.select(Document.title).where(Document.person_id == person.id)
    return sorted(db.session.scalars(visible(statement, viewer=Viewer(ViewerKind.PATIENT),
                                             now=utcnow())))


def test_the_demo_shows_the_whole_service(db, frozen_clock, notify_rules):
    seed_demo_data()
    db.session.commit()
    ola = _titles("Ola")
    assert "Epikrise etter operasjon" in ola and "Henvisning fra fastlegen" in ola
    assert "Notat unntatt innsyn" not in ola  # withheld from the patient
    assert "Svar fra patologen" not in ola  # released next week
    assert _titles("Emil") and _titles("Arne") and _titles("Sofie")
    statuses = sorted(q.status for q in table_rows(AccessQuestion))
    assert statuses == [QuestionStatus.ANSWERED, QuestionStatus.OPEN]
    before = len(table_rows(Document))
    seed_demo_data()
    db.session.commit()
    assert len(table_rows(Document)) == before
