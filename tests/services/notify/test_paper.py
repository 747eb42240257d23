"""Paper letters: listed for the staff of the sending organisation (and the units under
it), audited; marked sent once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db as _db
from services.notify.paper import mark_letter_sent, paper_letters_due
from services.notify.service import notify
from services.people.service import NotFound, add_organisation
from tests.services.notify.helpers import person_with, trust_and_unit


@pytest.fixture(autouse=True)
def _rules(notify_rules, frozen_clock):
    pass


@pytest.fixture
def orgs(db):
    trust, unit = trust_and_unit()
    other = add_organisation(name="Helse Nord-Trøndelag HF", org_number="974633698")
    db.session.commit()
    return trust, unit, other


def _letter(organisation_id, key="k"):
    person = person_with(mobile=None)
    [letter] = notify(person_id=person.id, event="notify.new-message", context={},
                      actor=Actor.system("x"), key=key, organisation_id=organisation_id)
    _db.session.commit()
    assert letter.channel == "paper"
    return letter


def _staff(org):
    return Actor.staff(1, organisation_id=org.id)


def test_staff_see_the_letters_of_their_organisation_and_its_units(db, orgs):
    trust, unit, other = orgs
    from_unit, from_trust, from_other = (_letter(unit.id, "a"), _letter(trust.id, "b"),
                                         _letter(other.id, "c"))
    assert paper_letters_due(actor=_staff(trust), organisation_ids=[trust.id]) == [
        from_unit, from_trust]
    assert paper_letters_due(actor=_staff(unit), organisation_ids=[unit.id]) == [from_unit]
    assert paper_letters_due(actor=_staff(other), organisation_ids=[other.id]) == [from_other]
    assert paper_letters_due(actor=_staff(other), organisation_ids=[]) == []


def test_an_administrator_sees_every_letter_even_without_a_sender(db, orgs):
    letters = [_letter(None, "a"), _letter(orgs[2].id, "b")]
    assert paper_letters_due(actor=Actor.operator("admin")) == letters


def test_listing_is_audited_per_letter(db, orgs):
    letter = _letter(orgs[0].id)
    paper_letters_due(actor=_staff(orgs[0]), organisation_ids=[orgs[0].id])
    [read] = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "Notification", AuditEvent.action == "read")).all()
    assert (read.resource_id, read.subject_person_id) == (str(letter.id), letter.person_id)


def test_a_letter_marked_sent_leaves_the_list_and_keeps_the_first_time(db, orgs,
                                                                       frozen_clock):
    trust = orgs[0]
    letter = _letter(trust.id)
    marked = mark_letter_sent(notification_id=letter.id, actor=_staff(trust),
                              organisation_ids=[trust.id])
    first = marked.handled_at
    assert first is not None
    frozen_clock.shift(60)
    assert mark_letter_sent(notification_id=letter.id, actor=_staff(trust)).handled_at == first
    assert paper_letters_due(actor=_staff(trust), organisation_ids=[trust.id]) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.resource_type == "Notification", AuditEvent.action == "update")) == 1


def test_staff_cannot_mark_another_organisations_letter(db, orgs):
    trust, unit, other = orgs
    letter = _letter(trust.id)
    with pytest.raises(NotFound):
        mark_letter_sent(notification_id=letter.id, actor=_staff(other),
                         organisation_ids=[other.id])
    with pytest.raises(NotFound):  # a unit does not see its trust's letters
        mark_letter_sent(notification_id=letter.id, actor=_staff(unit),
                         organisation_ids=[unit.id])
    assert db.session.get(type(letter), letter.id).handled_at is None


def test_only_letters_can_be_marked(db, orgs):
    person = person_with()
    [sms] = notify(person_id=person.id, event="notify.new-message", context={},
                   actor=Actor.system("x"), key="sms")
    with pytest.raises(NotFound):
        mark_letter_sent(notification_id=sms.id, actor=Actor.operator("admin"))
    with pytest.raises(NotFound):
        mark_letter_sent(notification_id=999_999, actor=Actor.operator("admin"))
