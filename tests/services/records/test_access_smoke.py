"""A first pass over the visibility rule (services/records/access.py); the full matrix of
viewers × blocks × release controls is in test_access.py."""

from datetime import timedelta

import sqlalchemy as sa

from services.clock import utcnow
from services.db import db
from services.records.access import Viewer, ViewerKind, visible
from services.records.models import Document
from tests.plugins.factories import make_organisation, make_person
from tests.services.records.factories import make_block, make_document


def _seen(viewer, person):
    statement = sa.select(Document.title).where(Document.person_id == person.id)
    return sorted(db.session.scalars(visible(statement, viewer=viewer, now=utcnow())))


def test_the_patient_sees_released_documents_and_other_hospitals_see_what_is_not_blocked(db):
    person = make_person()
    hospital = make_organisation()
    other = make_organisation(name="Helse Bergen HF", org_number="983974910")
    make_document(person, hospital, title="A released")
    make_document(person, hospital, title="B withheld", withheld=True)
    make_document(person, hospital, title="C next week",
                  release_after=utcnow() + timedelta(days=7))
    blocked = make_document(person, hospital, title="D blocked")
    make_block(person, kind="document", document=blocked)

    assert _seen(Viewer(ViewerKind.PATIENT), person) == ["A released", "D blocked"]
    assert _seen(Viewer(ViewerKind.STAFF, organisation_id=hospital.id, staff_id=1), person) == [
        "A released", "B withheld", "C next week", "D blocked"]
    assert _seen(Viewer(ViewerKind.STAFF, organisation_id=other.id, staff_id=2), person) == [
        "A released", "B withheld", "C next week"]
    assert _seen(Viewer(ViewerKind.SYSTEM), person) == ["A released"]
