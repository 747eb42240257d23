"""Consent receipts from the people and ultrasound services: a fullmakt given and revoked
(a receipt for each party), an area withheld from parents and released, the early scan's
decisions; one receipt per change, none for a repeat. Overlapping fullmakter and the
lapse of one at its end date are here too."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.actors import Actor
from services.people import receipts
from services.people.models import AddressProtection, Area
from services.people.representation import may_act_for, representations
from services.people.service import (
    PeopleError,
    grant_fullmakt,
    record_guardianship,
    release_to_guardians,
    revoke_fullmakt,
    withheld_from_guardians,
    withhold_from_guardians,
)
from services.ultrasound import consent
from services.ultrasound.models import ConsentDecision
from tests.plugins.factories import make_person

TODAY = date(2026, 3, 2)


def changes(person):
    return [(r.change, r.details) for r in reversed(receipts.history(person_id=person.id))]


@pytest.fixture
def giver(db, frozen_clock):
    return make_person(date(1950, 1, 1), given_name="Giver")


@pytest.fixture
def holder(db):
    return make_person(date(1980, 1, 1), given_name="Mottaker")


def _grant(giver, holder, areas=(Area.RECORDS,), *, starts_on=TODAY,
           ends_on=TODAY + timedelta(days=30)):
    return grant_fullmakt(giver=giver, recipient=holder, areas=areas, starts_on=starts_on,
                          ends_on=ends_on, actor=Actor.person(giver.id))


def test_a_fullmakt_given_and_revoked_is_a_receipt_for_both(giver, holder):
    fullmakt = _grant(giver, holder, (Area.RECORDS, Area.APPOINTMENTS))
    details = {"fullmakt_id": fullmakt.id, "areas": ["appointments", "records"],
               "starts_on": "2026-03-02", "ends_on": "2026-04-01"}
    assert changes(giver) == [("fullmakt-granted", {**details, "recipient_id": holder.id})]
    assert changes(holder) == [("fullmakt-received", {**details, "giver_id": giver.id})]
    revoke_fullmakt(fullmakt_id=fullmakt.id, actor=Actor.person(giver.id))
    revoke_fullmakt(fullmakt_id=fullmakt.id, actor=Actor.person(giver.id))  # once is enough
    assert changes(giver)[1:] == [("fullmakt-revoked", {"fullmakt_id": fullmakt.id,
                                                        "recipient_id": holder.id})]
    assert changes(holder)[1:] == [("fullmakt-revoked-by-giver",
                                    {"fullmakt_id": fullmakt.id, "giver_id": giver.id})]
    [receipt] = receipts.history(person_id=holder.id)[:1]
    assert (receipt.actor_kind, receipt.actor_id) == ("person", str(giver.id))


def test_the_same_fullmakt_twice_is_one(giver, holder):
    first = _grant(giver, holder, (Area.RECORDS, Area.APPOINTMENTS))
    again = _grant(giver, holder, (Area.APPOINTMENTS, Area.RECORDS))
    assert again.id == first.id
    assert len(changes(giver)) == 1
    # Other areas, or other dates, are another fullmakt; so is one after a revocation.
    assert _grant(giver, holder, (Area.RECORDS,)).id != first.id
    assert _grant(giver, holder, (Area.RECORDS, Area.APPOINTMENTS),
                  ends_on=TODAY + timedelta(days=31)).id != first.id
    revoke_fullmakt(fullmakt_id=first.id, actor=Actor.person(giver.id))
    assert _grant(giver, holder, (Area.RECORDS, Area.APPOINTMENTS)).id != first.id


def test_overlapping_fullmakter_give_the_union_and_are_revoked_one_by_one(giver, holder):
    records = _grant(giver, holder, (Area.RECORDS,), ends_on=TODAY + timedelta(days=10))
    appointments = _grant(giver, holder, (Area.APPOINTMENTS,),
                          starts_on=TODAY + timedelta(days=5), ends_on=TODAY + timedelta(days=20))

    def areas_on(day):
        return {rep.subject.id: rep.areas for rep in representations(actor=holder, today=day)
                }.get(giver.id, frozenset())

    assert areas_on(TODAY) == {Area.RECORDS}
    assert areas_on(TODAY + timedelta(days=5)) == {Area.RECORDS, Area.APPOINTMENTS}
    assert areas_on(TODAY + timedelta(days=10)) == {Area.RECORDS, Area.APPOINTMENTS}
    assert areas_on(TODAY + timedelta(days=11)) == {Area.APPOINTMENTS}
    assert areas_on(TODAY + timedelta(days=21)) == frozenset()
    revoke_fullmakt(fullmakt_id=records.id, actor=Actor.person(giver.id))
    assert areas_on(TODAY + timedelta(days=6)) == {Area.APPOINTMENTS}
    assert may_act_for(actor=holder, subject_id=giver.id, area=Area.APPOINTMENTS,
                       today=TODAY + timedelta(days=6)) is not None
    assert appointments.revoked_at is None


def test_a_fullmakt_lapses_the_day_after_its_end_date(giver, holder):
    _grant(giver, holder, ends_on=TODAY + timedelta(days=3))
    assert may_act_for(actor=holder, subject_id=giver.id, area=Area.RECORDS,
                       today=TODAY + timedelta(days=3)) is not None
    assert may_act_for(actor=holder, subject_id=giver.id, area=Area.RECORDS,
                       today=TODAY + timedelta(days=4)) is None


@pytest.mark.parametrize("who", ["giver", "holder"])
def test_a_confidential_address_refuses_a_fullmakt_and_writes_no_receipt(giver, holder, who):
    protected = make_person(date(1960, 1, 1), address_protection=AddressProtection.STRICT)
    pair = (protected, holder) if who == "giver" else (giver, protected)
    with pytest.raises(PeopleError, match="not possible for this person"):
        _grant(*pair)
    assert changes(pair[0]) == [] and changes(pair[1]) == []


@pytest.fixture
def family(db, frozen_clock):
    parent = make_person(date(1980, 1, 1), given_name="Forelder")
    teen = make_person(date(2012, 1, 1), given_name="Ungdom")  # 14 on TODAY
    record_guardianship(guardian=parent, child=teen, shares_address=True,
                        actor=Actor.system("hospital"))
    return parent, teen


def test_a_teen_withholds_and_releases_with_receipts(family):
    parent, teen = family
    me = Actor.person(teen.id)
    withhold_from_guardians(child=teen, area=Area.APPOINTMENTS, actor=me, today=TODAY)
    withhold_from_guardians(child=teen, area=Area.APPOINTMENTS, actor=me, today=TODAY)
    assert withheld_from_guardians(child_id=teen.id) == {Area.APPOINTMENTS}
    assert may_act_for(actor=parent, subject_id=teen.id, area=Area.APPOINTMENTS,
                       today=TODAY) is None
    release_to_guardians(child=teen, area=Area.APPOINTMENTS, actor=me)
    release_to_guardians(child=teen, area=Area.APPOINTMENTS, actor=me)  # nothing to release
    assert withheld_from_guardians(child_id=teen.id) == frozenset()
    assert may_act_for(actor=parent, subject_id=teen.id, area=Area.APPOINTMENTS,
                       today=TODAY) is not None
    assert changes(teen) == [("guardians-withheld", {"area": "appointments"}),
                             ("guardians-released", {"area": "appointments"})]


@pytest.mark.parametrize("actor_of", [
    lambda parent, teen: Actor.person(parent.id),
    lambda parent, teen: Actor.person(parent.id, on_behalf_of=teen.id),
    lambda parent, teen: Actor.person(teen.id, on_behalf_of=parent.id),
    lambda parent, teen: Actor.system("hospital"),
], ids=["the parent", "the parent acting for the teen", "the teen acting for another",
        "a system"])
def test_only_the_child_withholds_or_releases(family, actor_of):
    parent, teen = family
    withhold_from_guardians(child=teen, area=Area.QUESTIONNAIRES, actor=Actor.person(teen.id),
                            today=TODAY)
    actor = actor_of(parent, teen)
    with pytest.raises(PeopleError, match="only the child can release"):
        release_to_guardians(child=teen, area=Area.QUESTIONNAIRES, actor=actor)
    with pytest.raises(PeopleError, match="only the child can withhold"):
        withhold_from_guardians(child=teen, area=Area.APPOINTMENTS, actor=actor, today=TODAY)
    assert withheld_from_guardians(child_id=teen.id) == {Area.QUESTIONNAIRES}


def test_the_early_scan_decisions_are_receipts(db, frozen_clock):
    woman = make_person(given_name="Ingrid")
    me = Actor.person(woman.id)
    first = consent.decide(person_id=woman.id, decision=ConsentDecision.CONSENTED,
                           information_version=consent.INFORMATION_VERSION, actor=me)
    consent.revoke(person_id=woman.id, actor=me)
    second = consent.decide(person_id=woman.id, decision=ConsentDecision.REFUSED,
                            information_version=consent.INFORMATION_VERSION, actor=me)
    version = consent.INFORMATION_VERSION
    assert changes(woman) == [
        ("early-scan-consented", {"consent_id": first.id, "information_version": version}),
        ("early-scan-revoked", {"consent_id": first.id}),
        ("early-scan-refused", {"consent_id": second.id, "information_version": version}),
    ]
    with pytest.raises(consent.NotHerOwnDecision):
        consent.decide(person_id=woman.id, decision=ConsentDecision.CONSENTED,
                       information_version=version, actor=Actor.person(woman.id + 1))
    assert len(changes(woman)) == 3
