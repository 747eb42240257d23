"""The hospital, and a browser and an API client signed in as its infection-control nurse."""

import pytest

from services.people.models import Role
from tests.citizen.pages import sign_in_staff
from tests.plugins.factories import make_organisation, make_staff


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def nurse_client(client, hospital):
    sign_in_staff(client, make_staff(hospital, Role.INFECTION_CONTROL), hospital)
    return client


@pytest.fixture
def nurse_api(api_client, hospital):
    sign_in_staff(api_client, make_staff(hospital, Role.INFECTION_CONTROL), hospital)
    return api_client
