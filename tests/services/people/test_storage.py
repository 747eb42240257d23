"""A database dump alone does not reveal identity numbers."""

from datetime import date

import sqlalchemy as sa

from services.people.identity import parse_national_id
from services.people.models import Person
from services.people.service import find_person, national_id_of
from tests.plugins.factories import make_person, national_id_for


def test_identity_number_is_stored_encrypted_and_hashed(db):
    person = make_person(date(1985, 6, 15), index=3)
    number = national_id_for(date(1985, 6, 15), 3)

    raw_rows = db.session.execute(sa.text("SELECT * FROM people")).mappings().all()
    dump = repr([dict(row) for row in raw_rows])
    assert number not in dump
    assert number.encode() not in b"".join(
        v for row in raw_rows for v in row.values() if isinstance(v, bytes)
    )
    assert national_id_of(person) == number
    assert find_person(national_id=parse_national_id(number)).id == person.id


def test_lookup_hash_is_keyed_not_a_plain_digest(db):
    import hashlib

    person = make_person(date(1985, 6, 15), index=4)
    number = national_id_for(date(1985, 6, 15), 4)
    stored = db.session.scalar(sa.select(Person.national_id_hash).where(Person.id == person.id))
    assert stored != hashlib.sha256(number.encode()).hexdigest()


def test_registering_twice_updates_instead_of_duplicating(db):
    first = make_person(date(1985, 6, 15), index=5, given_name="Kari")
    again = make_person(date(1985, 6, 15), index=5, given_name="Kari Anne")
    assert again.id == first.id and again.given_name == "Kari Anne"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1
