"""A real FHIR client library (fhirpy) against the API over real HTTP."""

from __future__ import annotations

from datetime import date

import flask_migrate
import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient
from fhirpy import SyncFHIRClient

from services.db import db
from services.people.identity import FNR_SYSTEM
from tests.plugins.factories import national_id_for, system_bearer
from tests.plugins.live import serving


@pytest.fixture
def fhir(make_app, tmp_path):
    """A migrated app on its own SQLite file, served on loopback, and a fhirpy client."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.sqlite'}")
    with app.app_context():
        flask_migrate.upgrade()

    def served_at(base):
        app.config["PUBLIC_BASE_URL"] = base  # links and the token issuer name where it runs
        return app

    with serving(served_at) as url, app.app_context():
        headers = system_bearer("system/Patient.crus")
        yield SyncFHIRClient(f"{url}/fhir/R4", authorization=headers["Authorization"])
    with app.app_context():
        db.engine.dispose()


def _patient(client, number, family="Nordmann"):
    return client.resource("Patient", identifier=[{"system": FNR_SYSTEM, "value": number}],
                           name=[{"use": "official", "family": family, "given": ["Kari"]}])


def test_create_read_and_search_with_paging(fhir):
    numbers = [national_id_for(date(1979, 4, 4), i) for i in range(7)]
    for number in numbers:
        _patient(fhir, number).save()

    search = fhir.resources("Patient").search(birthdate="1979-04-04").limit(3)
    found = search.fetch_all()  # follows the next links
    assert sorted(p["identifier"][0]["value"] for p in found) == sorted(numbers)
    for resource in found:
        Patient.model_validate(resource.serialize())

    one = fhir.reference("Patient", found[0]["id"]).to_resource()
    assert one["identifier"][0]["value"] == found[0]["identifier"][0]["value"]


def test_conditional_create_through_the_client(fhir):
    number = national_id_for(date(1979, 4, 4), 9)
    by_identifier = fhir.resources("Patient").search(identifier=f"{FNR_SYSTEM}|{number}")
    first, created = by_identifier.get_or_create(_patient(fhir, number))
    again, created_again = by_identifier.get_or_create(_patient(fhir, number))
    assert (created, created_again) == (True, False)
    assert first["id"] == again["id"]


def test_transaction_bundle_through_the_client(fhir):
    entries = [
        {"resource": _patient(fhir, national_id_for(date(1979, 4, 4), 10 + i)).serialize(),
         "request": {"method": "POST", "url": "Patient"}}
        for i in range(3)
    ]
    response = fhir.execute("", method="post", data={"resourceType": "Bundle",
                                                     "type": "transaction", "entry": entries})
    bundle = Bundle.model_validate(response)
    assert [e.response.status for e in bundle.entry] == ["201 Created"] * 3
