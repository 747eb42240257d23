"""Statements run on the driver's cursor give what SQLAlchemy would: the same rows, typed
by the columns (UTC datetimes, enums, bytes), and values bound as arrays."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from services import driver
from services.people.models import AddressProtection, Person
from tests.plugins.factories import make_person

_PEOPLE = sa.select(*Person.__table__.columns).where(
    Person.id == sa.any_(sa.bindparam("ids", type_=ARRAY(sa.Integer)))).order_by(Person.id)


@pytest.fixture
def postgres(db):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("the driver path is PostgreSQL's (CI runs this on PostgreSQL)")
    return db


def test_rows_are_what_sqlalchemy_returns(postgres):
    people = [make_person(), make_person(address_protection=AddressProtection.STRICT)]
    connection = postgres.session.connection()
    ids = [p.id for p in people]

    ours = driver.rows(connection, _PEOPLE, {"ids": ids})
    theirs = list(connection.execute(_PEOPLE, {"ids": ids}))

    assert [tuple(r) for r in ours] == [tuple(r) for r in theirs]
    assert ours[1].address_protection is AddressProtection.STRICT
    assert ours[0].address_protection is None
    assert ours[0].updated_at.tzinfo is UTC
    assert isinstance(ours[0].national_id_encrypted, bytes)
    assert ours[0].given_name == "Kari"


def test_an_empty_array_matches_nothing(postgres):
    make_person()
    assert driver.rows(postgres.session.connection(), _PEOPLE, {"ids": []}) == []


def test_scalar_returns_the_first_column(postgres):
    statement = sa.select(sa.bindparam("n", type_=sa.Integer) + 1)
    assert driver.scalar(postgres.session.connection(), statement, {"n": 41}) == 42


def test_an_update_returns_its_rows_typed_too(postgres):
    person = make_person()
    people = Person.__table__
    statement = (sa.update(people).where(people.c.id == sa.bindparam("person_id"))
                 .values(given_name=sa.bindparam("name"), updated_at=sa.bindparam("at"))
                 .returning(people.c.id, people.c.given_name, people.c.updated_at))
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    [row] = driver.rows(postgres.session.connection(), statement,
                        {"person_id": person.id, "name": "Ola", "at": at})

    assert (row.id, row.given_name, row.updated_at) == (person.id, "Ola", at)
    assert row.updated_at.tzinfo is UTC


def test_a_none_the_statement_carries_is_bound_as_null(postgres):
    statement = sa.select(sa.func.coalesce(sa.literal(None, sa.Integer),
                                           sa.bindparam("n", type_=sa.Integer)))
    assert driver.scalar(postgres.session.connection(), statement, {"n": 7}) == 7


def test_a_bind_the_caller_must_supply_is_not_defaulted(postgres):
    statement = sa.select(sa.bindparam("n", type_=sa.Integer))
    with pytest.raises(Exception, match="missing: n"):
        driver.scalar(postgres.session.connection(), statement, {})


def test_insert_many_stores_every_row_in_order_with_its_nulls(postgres):
    from services.audit.models import AuditEvent

    moment = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    rows = [{"occurred_at": moment, "actor_kind": "staff", "actor_id": str(n),
             "actor_organisation_id": None, "on_behalf_of_person_id": None,
             "subject_person_id": n or None, "action": "read", "resource_type": "Test",
             "resource_id": None if n == 1 else str(n), "purpose": "test", "reason": None,
             "request_id": None, "chain": 0, "prev_hash": "0" * 64, "hash": f"{n:064d}"}
            for n in range(3)]
    driver.insert_many(postgres.session.connection(), AuditEvent.__table__, rows)
    driver.insert_many(postgres.session.connection(), AuditEvent.__table__,
                       [{**rows[0], "hash": "f" * 64}])

    stored = postgres.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars()
    assert [(e.actor_id, e.subject_person_id, e.resource_id, e.occurred_at) for e in stored] == [
        ("0", None, "0", moment), ("1", 1, None, moment), ("2", 2, "2", moment),
        ("0", None, "0", moment)]
