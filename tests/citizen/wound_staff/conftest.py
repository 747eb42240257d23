"""The hospital, and a browser and an API client signed in as its infection-control nurse;
the day, seven weeks after the factories' operation, when her answer is in."""

from datetime import UTC, datetime

import pytest

from services.people.models import Role
from tests.citizen.pages import sign_in_staff
from tests.plugins.factories import make_organisation, make_staff


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def nurse_member(hospital):
    """The infection-control nurse ``nurse_client`` is signed in as."""
    return make_staff(hospital, Role.INFECTION_CONTROL)


@pytest.fixture
def nurse_client(client, hospital, nurse_member):
    sign_in_staff(client, nurse_member, hospital)
    return client


@pytest.fixture
def nurse_api(api_client, hospital):
    sign_in_staff(api_client, make_staff(hospital, Role.INFECTION_CONTROL), hospital)
    return api_client


#: Seven weeks after the factories' operation (2 March 2026).
LATER = datetime(2026, 4, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def weeks_later(frozen_clock):
    frozen_clock.move_to(LATER)
