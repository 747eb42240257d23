"""Races on one business identifier, over real HTTP against real PostgreSQL: each loser is
answered as if it had come second (the winner's resource, or 409), never 500."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import flask_migrate
import pytest
import requests
import sqlalchemy as sa

from services.db import db
from services.people.identity import FNR_SYSTEM
from services.people.models import Person
from tests.plugins.db import scratch_postgres_database
from tests.plugins.factories import national_id_for, system_bearer
from tests.plugins.live import serving

RACERS = 12


@pytest.fixture
def live(make_app):
    """The app on a scratch PostgreSQL database, served on loopback; a writer's headers."""
    with scratch_postgres_database() as url:
        app = make_app(SQLALCHEMY_DATABASE_URI=url, FHIR_RATE_LIMIT="1000/second")
        with app.app_context():
            flask_migrate.upgrade()

        def served_at(base):
            app.config["PUBLIC_BASE_URL"] = base
            return app

        with serving(served_at) as base, app.app_context():
            headers = {**system_bearer("system/Patient.crs"),
                       "Content-Type": "application/fhir+json"}
            yield base, headers, app
            db.session.remove()
            db.engine.dispose()


def _race(send) -> list[requests.Response]:
    start = threading.Barrier(RACERS)

    def one(_):
        start.wait()
        return send()

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(one, range(RACERS)))


def _people(app) -> list[Person]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Person)))


def _patient(number: str) -> dict:
    return {"resourceType": "Patient", "identifier": [{"system": FNR_SYSTEM, "value": number}],
            "name": [{"use": "official", "family": "Kappløp", "given": ["Kari"]}]}


def test_identical_conditional_creates_all_get_the_one_patient(live):
    base, headers, app = live
    number = national_id_for(date(1977, 7, 7), 1)
    condition = {"If-None-Exist": f"identifier={FNR_SYSTEM}|{number}"}
    answers = _race(lambda: requests.post(f"{base}/fhir/R4/Patient", json=_patient(number),
                                          headers={**headers, **condition}, timeout=30))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * (RACERS - 1) + [201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(_people(app)) == 1


def test_plain_creates_of_one_identifier_get_one_201_and_conflicts(live):
    base, headers, app = live
    number = national_id_for(date(1977, 7, 7), 2)
    answers = _race(lambda: requests.post(f"{base}/fhir/R4/Patient", json=_patient(number),
                                          headers=headers, timeout=30))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * (RACERS - 1), [a.text for a in answers]
    assert len(_people(app)) == 1


def test_identical_conditional_transactions_all_succeed(live):
    base, headers, app = live
    numbers = [national_id_for(date(1977, 7, 7), i) for i in range(3, 8)]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": _patient(n), "request": {"method": "POST", "url": "Patient",
                                              "ifNoneExist": f"identifier={FNR_SYSTEM}|{n}"}}
        for n in numbers]}
    answers = _race(lambda: requests.post(f"{base}/fhir/R4", json=bundle, headers=headers,
                                          timeout=30))
    assert [a.status_code for a in answers] == [200] * RACERS, [a.text for a in answers]
    urls = {tuple(e["fullUrl"] for e in a.json()["entry"]) for a in answers}
    assert len(urls) == 1
    assert len(_people(app)) == len(numbers)
