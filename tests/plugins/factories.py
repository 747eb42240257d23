"""Factories for test data.

They commit: inside a test a commit only releases the test's SAVEPOINT (the outer
transaction is rolled back at the end), and committed data survives the rollback that a
4xx response makes the request do.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from services.clock import utcnow
from services.db import db
from services.jobs.models import ScheduledJob


class ModelFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 - resolved per test
        sqlalchemy_session_persistence = "commit"


class ScheduledJobFactory(ModelFactory):
    class Meta:
        model = ScheduledJob

    name = factory.Sequence(lambda n: f"job-{n}")
    next_run_at = factory.LazyFunction(lambda: utcnow() - timedelta(seconds=1))


def national_id_for(birth_date, index: int = 0, *, d_number: bool = False) -> str:
    """A valid fødselsnummer (or D-number) for ``birth_date``; ``index`` picks among them."""
    from services.people.identity import generate_national_id

    return generate_national_id(birth_date, index, d_number=d_number)


#: Every birth date has about 411 valid numbers (fewer than the suite makes people), so the
#: index goes round: numbers repeat only across tests, whose rows are rolled back, unless
#: one test makes more than this many people.
NUMBERS_PER_DATE = 400
_made = itertools.count()


def _next_index() -> int:
    return next(_made) % NUMBERS_PER_DATE


def make_person(birth_date=None, *, given_name: str = "Kari", family_name: str | None = None,
                address_protection=None, index: int | None = None):
    """Register a citizen with a fresh valid identity number (default: born 1985-06-15)."""
    from datetime import date

    from services.actors import Actor
    from services.people.identity import parse_national_id
    from services.people.service import register_person

    birth_date = birth_date or date(1985, 6, 15)
    number = national_id_for(birth_date, _next_index() if index is None else index)
    person = register_person(
        national_id=parse_national_id(number), given_name=given_name,
        family_name=family_name or f"Nordmann {number[-4:]}",
        address_protection=address_protection, actor=Actor.operator("test"),
    )
    db.session.commit()
    return person


def make_organisation(name: str = "St. Olavs hospital HF", org_number: str = "883974832"):
    from services.people.service import add_organisation

    organisation = add_organisation(name=name, org_number=org_number)
    db.session.commit()
    return organisation


def make_staff(organisation, *roles, name: str = "Sykepleier Test", hpr_number: str | None = None):
    from datetime import date

    from services.people.identity import parse_national_id
    from services.people.service import add_staff

    number = national_id_for(date(1975, 1, 20), _next_index())
    staff = add_staff(national_id=parse_national_id(number), name=name,
                      hpr_number=hpr_number, organisation=organisation, roles=roles)
    staff.test_national_id = number  # tests log in with it
    db.session.commit()
    return staff


def staff_actor(organisation, *roles, **staff_fields):
    """A new staff member of the organisation as the services see them acting there."""
    from services.actors import Actor

    member = make_staff(organisation, *roles, **staff_fields)
    return Actor.staff(member.id, organisation_id=organisation.id)


def system_bearer(scopes: str, *, name: str = "Hospital record system",
                  organisation=None) -> dict[str, str]:
    """Headers for a new system client holding ``scopes``, with a fresh access token;
    ``organisation``: the one whose own system it is (None: nobody's, as helsenorge)."""
    from citizen.oauth import keys
    from services.clients import tokens
    from services.clients.service import create_client

    client, _secret = create_client(
        name=name, scopes=scopes, auth_method="client_secret_basic",
        organisation_id=organisation.id if organisation is not None else None)
    issued = tokens.issue_access_token(key=keys.signing_key(), issuer=keys.issuer(),
                                       audience=keys.api_audience(),
                                       client_id=client.client_id, scope=scopes,
                                       now=utcnow())
    db.session.commit()
    return {"Authorization": f"Bearer {issued.token}", "Accept": "application/fhir+json"}
