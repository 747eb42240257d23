"""Where a notice can reach her: her own settings, then the hospital's, then KRR; KRR's
reservation over all of them."""

from __future__ import annotations

import pytest

from services.actors import Actor
from services.notify import krr
from services.notify.contacts import Contacts, resolve, resolve_without_krr
from services.notify.krr import KrrUnavailable
from services.notify.settings import update_settings
from services.people.service import national_id_of
from tests.services.notify.helpers import person_with
from tests.standins.krr import KrrServer

OWN = ("+4741111111", "own@example.no")
HOSPITAL = ("+4742222222", "hospital@example.no")
REGISTER = ("+4743333333", "krr@example.no")


@pytest.fixture
def krr_server(app):
    with KrrServer() as server:
        krr.configure_krr(url=server.url)
        yield server


def _person(krr_server, *, own=(None, None), hospital=(None, None), register=(None, None),
            reserved=False):
    person = person_with(mobile=hospital[0], email=hospital[1])
    if own != (None, None):
        update_settings(person_id=person.id, actor=Actor.person(person.id), mobile=own[0],
                        email=own[1])
    krr_server.add(national_id_of(person), mobile=register[0], email=register[1],
                   reserved=reserved)
    return person


def test_her_own_win(db, krr_server):
    person = _person(krr_server, own=OWN, hospital=HOSPITAL, register=REGISTER)
    assert resolve(person) == Contacts(*OWN, reserved=False)


def test_then_the_hospitals(db, krr_server):
    person = _person(krr_server, hospital=HOSPITAL, register=REGISTER)
    assert resolve(person) == Contacts(*HOSPITAL, reserved=False)


def test_then_krrs(db, krr_server):
    person = _person(krr_server, register=REGISTER)
    assert resolve(person) == Contacts(*REGISTER, reserved=False)


def test_each_address_from_the_first_source_that_has_one(db, krr_server):
    person = _person(krr_server, own=(OWN[0], None), hospital=(None, HOSPITAL[1]),
                     register=REGISTER)
    assert resolve(person) == Contacts(OWN[0], HOSPITAL[1], reserved=False)


def test_a_blank_address_is_none(db, krr_server):
    person = _person(krr_server, hospital=("  ", ""), register=(None, REGISTER[1]))
    assert resolve(person) == Contacts(None, REGISTER[1], reserved=False)


def test_reserved_in_krr_overrides_every_source(db, krr_server):
    person = _person(krr_server, own=OWN, hospital=HOSPITAL, reserved=True)
    found = resolve(person)
    assert found == Contacts(None, None, reserved=True) and not found.reachable


def test_nobody_anywhere_is_unreachable(db, krr_server):
    found = resolve(_person(krr_server, hospital=(None, None)))
    assert found == Contacts(None, None, reserved=False) and not found.reachable


def test_krr_is_asked_once_with_her_number(db, krr_server):
    person = _person(krr_server, own=OWN)
    resolve(person)
    assert krr_server.requests == [{"personidentifikatorer": [national_id_of(person)]}]


def test_krr_down_is_raised_and_without_krr_is_what_we_know(db, krr_server):
    person = _person(krr_server, hospital=HOSPITAL, register=REGISTER)
    krr_server.fail_next.append(503)
    with pytest.raises(KrrUnavailable):
        resolve(person)
    assert resolve_without_krr(person) == Contacts(*HOSPITAL, reserved=False)
