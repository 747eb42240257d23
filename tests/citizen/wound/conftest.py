"""The web form's people: St. Olavs, and Ola signed in with an open questionnaire (a
module that needs others defines its own)."""

from __future__ import annotations

import pytest

from tests.citizen.pages import sign_in_citizen
from tests.citizen.wound.filling import open_case
from tests.plugins.factories import make_organisation, make_person


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def ola(hospital, client):
    person = make_person(given_name="Ola", family_name="Hansen")
    sign_in_citizen(client, person)
    return person


@pytest.fixture
def case(ola, hospital):
    return open_case(ola, hospital)
