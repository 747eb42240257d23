"""Who may act for whom: each Norwegian rule, and every way it ends."""

from datetime import date, timedelta

import pytest

from services.actors import Actor
from services.people.models import AddressProtection, Area
from services.people.representation import Basis, may_act_for, representations
from services.people.service import (
    PeopleError,
    grant_fullmakt,
    record_guardianship,
    revoke_fullmakt,
    set_address_protection,
    withhold_from_guardians,
)
from tests.plugins.factories import make_person

TODAY = date(2026, 3, 2)
HOSPITAL = Actor.system("hospital-system")


def _years_ago(years: int, days: int = 0) -> date:
    return TODAY.replace(year=TODAY.year - years) - timedelta(days=days)


@pytest.fixture
def parent(db):
    return make_person(_years_ago(40), given_name="Forelder")


def _child(parent, age_years, *, days=0, shares_address=True, protection=None):
    child = make_person(_years_ago(age_years, days), given_name="Barn",
                        address_protection=protection)
    record_guardianship(guardian=parent, child=child, shares_address=shares_address,
                        actor=HOSPITAL)
    return child


def _areas(actor, subject):
    for rep in representations(actor=actor, today=TODAY):
        if rep.subject.id == subject.id:
            return rep.areas
    return frozenset()


def test_everyone_acts_for_themself(parent):
    [me] = representations(actor=parent, today=TODAY)
    assert me.basis is Basis.SELF and me.areas == frozenset(Area)


def test_parent_has_everything_for_a_child_under_12(parent):
    child = _child(parent, 11, days=-1)  # turns 12 tomorrow
    assert _areas(parent, child) == frozenset(Area)
    assert may_act_for(actor=parent, subject_id=child.id, area=Area.RECORDS,
                       today=TODAY) is Basis.GUARDIAN


def test_parent_of_a_14_year_old_has_appointments_and_questionnaires_only(parent):
    child = _child(parent, 14)
    assert _areas(parent, child) == {Area.APPOINTMENTS, Area.QUESTIONNAIRES}
    assert may_act_for(actor=parent, subject_id=child.id, area=Area.RECORDS, today=TODAY) is None


def test_a_14_year_old_can_withhold_an_area_from_parents(parent):
    child = _child(parent, 14)
    withhold_from_guardians(child=child, area=Area.QUESTIONNAIRES, actor=Actor.person(child.id),
                            today=TODAY)
    assert _areas(parent, child) == {Area.APPOINTMENTS}


def test_only_the_child_can_withhold(parent):
    child = _child(parent, 14)
    with pytest.raises(PeopleError):
        withhold_from_guardians(child=child, area=Area.APPOINTMENTS,
                                actor=Actor.person(parent.id), today=TODAY)


def test_parent_access_ends_on_the_16th_birthday(parent):
    child = _child(parent, 16)
    assert _areas(parent, child) == frozenset()
    almost = _child(parent, 16, days=-1)
    assert _areas(parent, almost) == {Area.APPOINTMENTS, Area.QUESTIONNAIRES}


def test_parent_not_sharing_the_address_has_no_access(parent):
    child = _child(parent, 5, shares_address=False)
    assert _areas(parent, child) == frozenset()


@pytest.mark.parametrize("code", list(AddressProtection))
def test_confidential_address_child_cannot_be_represented(parent, code):
    child = _child(parent, 5, protection=code)
    assert _areas(parent, child) == frozenset()


def test_confidential_address_parent_cannot_represent(db):
    parent = make_person(_years_ago(40), address_protection=AddressProtection.CONFIDENTIAL)
    child = _child(parent, 5)
    assert _areas(parent, child) == frozenset()


@pytest.fixture
def giver(db):
    return make_person(_years_ago(80), given_name="Giver")


@pytest.fixture
def recipient(db):
    return make_person(_years_ago(50), given_name="Mottaker")


def _fullmakt(giver, recipient, *, areas=(Area.APPOINTMENTS,), starts=-10, ends=30):
    return grant_fullmakt(giver=giver, recipient=recipient, areas=areas,
                          starts_on=TODAY + timedelta(days=starts),
                          ends_on=TODAY + timedelta(days=ends), actor=Actor.person(giver.id))


def test_fullmakt_gives_its_areas_while_in_force(giver, recipient):
    _fullmakt(giver, recipient, areas=[Area.APPOINTMENTS, Area.RECORDS])
    assert _areas(recipient, giver) == {Area.APPOINTMENTS, Area.RECORDS}
    assert may_act_for(actor=recipient, subject_id=giver.id, area=Area.QUESTIONNAIRES,
                       today=TODAY) is None


def test_expired_and_future_fullmakt_give_nothing(giver, recipient):
    _fullmakt(giver, recipient, starts=-60, ends=-1)
    _fullmakt(giver, recipient, starts=1, ends=60)
    assert _areas(recipient, giver) == frozenset()


def test_fullmakt_is_revocable_by_the_giver_only(giver, recipient):
    fullmakt = _fullmakt(giver, recipient)
    from services.people.service import NotFound

    with pytest.raises(NotFound):
        revoke_fullmakt(fullmakt_id=fullmakt.id, actor=Actor.person(recipient.id))
    revoke_fullmakt(fullmakt_id=fullmakt.id, actor=Actor.person(giver.id))
    assert _areas(recipient, giver) == frozenset()


def test_fullmakt_is_not_one_way_round(giver, recipient):
    _fullmakt(giver, recipient)
    assert _areas(giver, recipient) == frozenset()


@pytest.mark.parametrize(
    ("giver_age", "recipient_age", "complaint"),
    [(15, 50, "giver"), (40, 17, "recipient")],
)
def test_fullmakt_age_limits(db, giver_age, recipient_age, complaint):
    young_giver = make_person(_years_ago(giver_age))
    young_recipient = make_person(_years_ago(recipient_age))
    with pytest.raises(PeopleError, match=complaint):
        _fullmakt(young_giver, young_recipient)


def test_fullmakt_needs_the_giver_to_grant_it(giver, recipient):
    with pytest.raises(PeopleError):
        grant_fullmakt(giver=giver, recipient=recipient, areas=[Area.RECORDS],
                       starts_on=TODAY, ends_on=TODAY, actor=Actor.person(recipient.id))


def test_fullmakt_refused_for_confidential_address(db, recipient):
    hidden = make_person(_years_ago(70), address_protection=AddressProtection.STRICT)
    with pytest.raises(PeopleError):
        _fullmakt(hidden, recipient)


def test_a_child_can_withhold_from_the_12th_birthday_not_the_day_before(parent):
    almost = _child(parent, 12, days=-1)
    with pytest.raises(PeopleError, match="aged 12 to 16"):
        withhold_from_guardians(child=almost, area=Area.APPOINTMENTS,
                                actor=Actor.person(almost.id), today=TODAY)
    twelve = _child(parent, 12)
    withhold_from_guardians(child=twelve, area=Area.APPOINTMENTS, actor=Actor.person(twelve.id),
                            today=TODAY)
    assert _areas(parent, twelve) == {Area.QUESTIONNAIRES}


def test_parents_see_only_their_own_children(parent):
    other_parent = make_person(_years_ago(38), given_name="Annen")
    theirs = _child(other_parent, 5)
    mine = _child(parent, 5)
    assert _areas(parent, theirs) == frozenset()
    assert _areas(parent, mine) == frozenset(Area)
    assert _areas(mine, parent) == frozenset()  # a child does not represent the parent


def test_one_confidential_child_does_not_hide_the_next(parent):
    _child(parent, 5, protection=AddressProtection.STRICT)
    sibling = _child(parent, 7)
    assert _areas(parent, sibling) == frozenset(Area)


def test_a_confidential_address_after_the_guardianship_ends_it(parent):
    child = _child(parent, 5)
    set_address_protection(person=child, code=AddressProtection.STRICT, actor=HOSPITAL)
    assert _areas(parent, child) == frozenset()


def test_a_parent_with_a_confidential_address_after_the_guardianship_represents_nobody(parent):
    child = _child(parent, 5)
    set_address_protection(person=parent, code=AddressProtection.CONFIDENTIAL, actor=HOSPITAL)
    assert [rep.subject.id for rep in representations(actor=parent, today=TODAY)] == [parent.id]
    assert _areas(parent, child) == frozenset()


def test_fullmakt_from_a_giver_turning_16_on_its_first_day(db, recipient):
    sixteen_at_start = make_person(_years_ago(16, days=-5))
    with pytest.raises(PeopleError, match="at least 16"):
        _fullmakt(sixteen_at_start, recipient, starts=4)
    _fullmakt(sixteen_at_start, recipient, starts=5)
    assert _areas(recipient, sixteen_at_start) == frozenset()  # not yet in force
    assert may_act_for(actor=recipient, subject_id=sixteen_at_start.id, area=Area.APPOINTMENTS,
                       today=TODAY + timedelta(days=5)) is Basis.FULLMAKT


def test_fullmakt_to_a_recipient_turning_18_on_its_first_day(db, giver):
    eighteen_at_start = make_person(_years_ago(18, days=-5))
    with pytest.raises(PeopleError, match="at least 18"):
        _fullmakt(giver, eighteen_at_start, starts=4)
    _fullmakt(giver, eighteen_at_start, starts=5)
    assert may_act_for(actor=eighteen_at_start, subject_id=giver.id, area=Area.APPOINTMENTS,
                       today=TODAY + timedelta(days=5)) is Basis.FULLMAKT


def test_fullmakt_holds_on_its_last_day_and_not_after(giver, recipient):
    _fullmakt(giver, recipient, starts=-10, ends=0)
    assert may_act_for(actor=recipient, subject_id=giver.id, area=Area.APPOINTMENTS,
                       today=TODAY) is Basis.FULLMAKT
    assert may_act_for(actor=recipient, subject_id=giver.id, area=Area.APPOINTMENTS,
                       today=TODAY + timedelta(days=1)) is None


@pytest.mark.parametrize("party", ["giver", "recipient"])
def test_a_confidential_address_after_the_grant_ends_the_fullmakt(giver, recipient, party):
    _fullmakt(giver, recipient)
    protected = {"giver": giver, "recipient": recipient}[party]
    set_address_protection(person=protected, code=AddressProtection.STRICT, actor=HOSPITAL)
    assert _areas(recipient, giver) == frozenset()


def test_two_fullmakter_from_one_giver_are_one_representation_with_all_their_areas(
        giver, recipient):
    _fullmakt(giver, recipient, areas=[Area.APPOINTMENTS])
    _fullmakt(giver, recipient, areas=[Area.RECORDS])
    me, for_giver = representations(actor=recipient, today=TODAY)
    assert me.subject.id == recipient.id and me.basis is Basis.SELF
    assert for_giver.subject.id == giver.id
    assert for_giver.basis is Basis.FULLMAKT
    assert for_giver.areas == {Area.APPOINTMENTS, Area.RECORDS}


def test_a_fullmakt_out_of_force_does_not_hide_one_in_force(giver, recipient):
    other_giver = make_person(_years_ago(60), given_name="Annen")
    _fullmakt(other_giver, recipient, starts=-60, ends=-1)
    _fullmakt(giver, recipient)
    assert _areas(recipient, giver) == {Area.APPOINTMENTS}
