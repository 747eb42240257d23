"""The hospital and its infection-control nurse that the staff-side tests act as."""

import pytest

from services.people.models import Role
from tests.plugins.factories import make_organisation, staff_actor


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def nurse(hospital):
    return staff_actor(hospital, Role.INFECTION_CONTROL)
