"""The early scan's consent: recorded with time, identity and the information she read;
revocable; hers alone; audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.ultrasound import consent
from services.ultrasound.consent import (
    INFORMATION_VERSION,
    NotHerOwnDecision,
    NothingToRevoke,
    OutdatedInformation,
)
from services.ultrasound.models import ConsentDecision, EarlyScanConsent
from tests.plugins.clock import T0
from tests.plugins.factories import make_person


@pytest.fixture
def woman(db, frozen_clock):
    return make_person(given_name="Ingrid")


def audit_rows(person_id: int) -> list[tuple[str, str, str | None]]:
    return [(row.action, row.resource_type, row.reason) for row in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_person_id == person_id,
                                    AuditEvent.resource_type == "EarlyScanConsent")
        .order_by(AuditEvent.id))]


def test_consent_is_recorded_with_time_identity_and_information(woman):
    recorded = consent.decide(person_id=woman.id, decision=ConsentDecision.CONSENTED,
                              information_version=INFORMATION_VERSION,
                              actor=Actor.person(woman.id))
    db.session.commit()
    stored = db.session.get(EarlyScanConsent, recorded.id)
    assert (stored.person_id, stored.decision, stored.decided_at, stored.actor,
            stored.information_version, stored.revoked_at) == (
        woman.id, ConsentDecision.CONSENTED, T0, f"person:{woman.id}", INFORMATION_VERSION,
        None)
    assert consent.has_consented(person_id=woman.id)
    assert audit_rows(woman.id) == [("create", "EarlyScanConsent", "consented")]


def test_a_refusal_is_a_decision_but_not_consent(woman):
    consent.decide(person_id=woman.id, decision=ConsentDecision.REFUSED,
                   information_version=INFORMATION_VERSION, actor=Actor.person(woman.id))
    assert consent.in_force(person_id=woman.id).decision is ConsentDecision.REFUSED
    assert not consent.has_consented(person_id=woman.id)


def test_the_newest_decision_is_in_force(woman, frozen_clock):
    me = Actor.person(woman.id)
    consent.decide(person_id=woman.id, decision=ConsentDecision.REFUSED,
                   information_version=INFORMATION_VERSION, actor=me)
    frozen_clock.shift(timedelta(days=1))
    consent.decide(person_id=woman.id, decision=ConsentDecision.CONSENTED,
                   information_version=INFORMATION_VERSION, actor=me)
    assert consent.has_consented(person_id=woman.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EarlyScanConsent)) == 2


def test_revoking_keeps_the_history_and_brings_no_older_decision_back(woman, frozen_clock):
    me = Actor.person(woman.id)
    first = consent.decide(person_id=woman.id, decision=ConsentDecision.CONSENTED,
                           information_version=INFORMATION_VERSION, actor=me)
    frozen_clock.shift(timedelta(hours=1))
    second = consent.decide(person_id=woman.id, decision=ConsentDecision.CONSENTED,
                            information_version=INFORMATION_VERSION, actor=me)
    frozen_clock.shift(timedelta(hours=1))
    revoked = consent.revoke(person_id=woman.id, actor=me)
    assert revoked.id == second.id and revoked.revoked_at == T0 + timedelta(hours=2)
    db.session.refresh(first)
    assert first.revoked_at == T0 + timedelta(hours=2)
    assert consent.in_force(person_id=woman.id) is None
    assert not consent.has_consented(person_id=woman.id)
    assert audit_rows(woman.id)[-1] == ("update", "EarlyScanConsent", "revoked")
    # And she may decide again.
    consent.decide(person_id=woman.id, decision=ConsentDecision.CONSENTED,
                   information_version=INFORMATION_VERSION, actor=me)
    assert consent.has_consented(person_id=woman.id)


def test_nothing_to_revoke(woman):
    with pytest.raises(NothingToRevoke):
        consent.revoke(person_id=woman.id, actor=Actor.person(woman.id))


def test_the_information_she_read_must_be_the_current_one(woman):
    with pytest.raises(OutdatedInformation):
        consent.decide(person_id=woman.id, decision=ConsentDecision.CONSENTED,
                       information_version="2020-01", actor=Actor.person(woman.id))
    assert consent.in_force(person_id=woman.id) is None


@pytest.mark.parametrize("who", ["representative", "other", "staff", "system"])
def test_only_she_decides_or_revokes(woman, who):
    other = make_person(given_name="Ola")
    actor = {"representative": Actor.person(other.id, on_behalf_of=woman.id),
             "other": Actor.person(other.id),
             "staff": Actor.staff(int(woman.id), organisation_id=1),
             "system": Actor.system(str(woman.id))}[who]
    with pytest.raises(NotHerOwnDecision):
        consent.decide(person_id=woman.id, decision=ConsentDecision.CONSENTED,
                       information_version=INFORMATION_VERSION, actor=actor)
    consent.decide(person_id=woman.id, decision=ConsentDecision.CONSENTED,
                   information_version=INFORMATION_VERSION, actor=Actor.person(woman.id))
    with pytest.raises(NotHerOwnDecision):
        consent.revoke(person_id=woman.id, actor=actor)
    assert consent.has_consented(person_id=woman.id)


def test_reading_the_decision_is_audited(woman):
    other = make_person(given_name="Ola")
    assert consent.consent_of(person_id=woman.id,
                              actor=Actor.person(other.id, on_behalf_of=woman.id)) is None
    row = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.subject_person_id == woman.id, AuditEvent.action == "read")).one()
    assert (row.resource_type, row.actor_id, row.on_behalf_of_person_id) == (
        "EarlyScanConsent", str(other.id), woman.id)


def test_actor_label():
    assert consent.actor_label(Actor.person(12)) == "person:12"
    assert consent.actor_label(Actor.person(7, on_behalf_of=12)) == "person:7/for:12"
