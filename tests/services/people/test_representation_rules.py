"""The age and date rules of representation, each boundary on both sides.

Pure rules on unsaved people, so every birthday can be the day before, of and after.
"""

from datetime import date, timedelta

import pytest

from services.people.models import AddressProtection, Area, Fullmakt, Person
from services.people.representation import (
    ALL_AREAS,
    TEEN_GUARDIAN_AREAS,
    fullmakt_areas,
    fullmakt_refusal,
    guardian_areas,
    may_withhold_from_guardians,
)

BORN = date(2010, 5, 20)
DAY = timedelta(days=1)


def _birthday(years: int) -> date:
    return BORN.replace(year=BORN.year + years)


def _person(birth_date=BORN, protection=None) -> Person:
    return Person(birth_date=birth_date, address_protection=protection)


@pytest.mark.parametrize(
    ("today", "areas"),
    [
        (_birthday(12) - DAY, ALL_AREAS),
        (_birthday(12), TEEN_GUARDIAN_AREAS),
        (_birthday(12) + DAY, TEEN_GUARDIAN_AREAS),
        (_birthday(16) - DAY, TEEN_GUARDIAN_AREAS),
        (_birthday(16), frozenset()),
        (_birthday(16) + DAY, frozenset()),
        (_birthday(40), frozenset()),
    ],
)
def test_guardian_areas_change_on_the_12th_and_16th_birthday(today, areas):
    assert guardian_areas(child=_person(), today=today, withheld=frozenset()) == areas


def test_what_a_teenager_withholds_is_taken_from_the_parents_only_from_12():
    withheld = frozenset({Area.APPOINTMENTS})
    assert guardian_areas(child=_person(), today=_birthday(12) - DAY,
                          withheld=withheld) == ALL_AREAS
    assert guardian_areas(child=_person(), today=_birthday(12),
                          withheld=withheld) == {Area.QUESTIONNAIRES}


@pytest.mark.parametrize(
    ("today", "may"),
    [
        (_birthday(12) - DAY, False),
        (_birthday(12), True),
        (_birthday(12) + DAY, True),
        (_birthday(16) - DAY, True),
        (_birthday(16), False),
        (_birthday(16) + DAY, False),
    ],
)
def test_a_child_may_withhold_from_the_12th_to_the_day_before_the_16th_birthday(today, may):
    assert may_withhold_from_guardians(child=_person(), today=today) is may


def _adult() -> Person:
    return _person(date(1970, 1, 1))


@pytest.mark.parametrize(
    ("on", "refusal"),
    [
        (_birthday(16) - DAY, "the giver must be at least 16 years old"),
        (_birthday(16), None),
        (_birthday(16) + DAY, None),
    ],
)
def test_a_fullmakt_giver_must_be_16(on, refusal):
    assert fullmakt_refusal(giver=_person(), recipient=_adult(), on=on) == refusal


@pytest.mark.parametrize(
    ("on", "refusal"),
    [
        (_birthday(18) - DAY, "the recipient must be at least 18 years old"),
        (_birthday(18), None),
        (_birthday(18) + DAY, None),
    ],
)
def test_a_fullmakt_recipient_must_be_18(on, refusal):
    assert fullmakt_refusal(giver=_adult(), recipient=_person(), on=on) == refusal


@pytest.mark.parametrize("code", list(AddressProtection))
@pytest.mark.parametrize("party", ["giver", "recipient"])
def test_no_fullmakt_to_or_from_a_confidential_address(code, party):
    parties = {"giver": _adult(), "recipient": _person(date(1980, 1, 1))}
    parties[party] = _person(date(1960, 1, 1), protection=code)
    assert fullmakt_refusal(**parties, on=date(2026, 3, 2)) == (
        "a fullmakt is not possible for this person")


START, END = date(2026, 3, 1), date(2026, 3, 31)


def _fullmakt(giver=None, recipient=None, *, areas=("appointments", "records"),
              revoked_at=None) -> Fullmakt:
    return Fullmakt(giver=giver or _adult(), recipient=recipient or _person(date(1980, 1, 1)),
                    areas=list(areas), starts_on=START, ends_on=END, revoked_at=revoked_at)


@pytest.mark.parametrize(
    ("today", "in_force"),
    [
        (START - DAY, False),
        (START, True),
        (START + DAY, True),
        (END - DAY, True),
        (END, True),  # the last day is included
        (END + DAY, False),
    ],
)
def test_a_fullmakt_is_in_force_from_its_first_to_its_last_day(today, in_force):
    expected = {Area.APPOINTMENTS, Area.RECORDS} if in_force else frozenset()
    assert fullmakt_areas(fullmakt=_fullmakt(), today=today) == expected


def test_a_revoked_fullmakt_grants_nothing():
    from datetime import UTC, datetime

    revoked = _fullmakt(revoked_at=datetime(2026, 3, 5, tzinfo=UTC))
    assert fullmakt_areas(fullmakt=revoked, today=START) == frozenset()


def test_a_stored_area_this_code_does_not_know_grants_nothing_else():
    stored = _fullmakt(areas=("appointments", "retired-area"))
    assert fullmakt_areas(fullmakt=stored, today=START) == {Area.APPOINTMENTS}


@pytest.mark.parametrize("young", ["giver", "recipient"])
def test_a_stored_fullmakt_with_an_underage_party_grants_nothing(young):
    # Not made by grant_fullmakt (which refuses it), e.g. imported: the rule still holds.
    fifteen = _person(date(2011, 1, 1))
    stored = (_fullmakt(giver=fifteen) if young == "giver"
              else _fullmakt(recipient=_person(date(2008, 6, 1))))
    assert fullmakt_areas(fullmakt=stored, today=START) == frozenset()


@pytest.mark.parametrize("party", ["giver", "recipient"])
def test_a_confidential_address_that_arises_after_the_grant_ends_the_fullmakt(party):
    stored = _fullmakt()
    assert fullmakt_areas(fullmakt=stored, today=START)
    getattr(stored, party).address_protection = AddressProtection.CONFIDENTIAL
    assert fullmakt_areas(fullmakt=stored, today=START) == frozenset()
