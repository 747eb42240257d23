"""The embedded default under load: SQLite serves concurrent readers and writers, no 5xx.

Every FHIR read writes an audit row, so "readers" write too: on SQLite they all compete
for the one write lock. The app runs on its own SQLite file behind a threaded HTTP server.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import flask_migrate
import pytest
import requests
import sqlalchemy as sa

from services.audit.models import AuditEvent
from services.db import db
from services.people.identity import FNR_SYSTEM
from services.people.models import Person
from tests.plugins.factories import national_id_for, system_bearer
from tests.plugins.live import serving

READERS, WRITERS = 32, 8
FHIR = "application/fhir+json"


@pytest.fixture
def live(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'load.sqlite'}")
    with app.app_context():
        flask_migrate.upgrade()
        headers = system_bearer("system/Patient.crs")
    with serving(lambda _base: app) as url:
        yield app, f"{url}/fhir/R4", {**headers, "Content-Type": FHIR}
    with app.app_context():
        db.engine.dispose()


def _patient(number: str) -> dict:
    return {"resourceType": "Patient", "identifier": [{"system": FNR_SYSTEM, "value": number}],
            "name": [{"family": "Nordmann", "given": ["Kari"]}]}


def test_concurrent_readers_and_writers_get_no_5xx(live):
    app, base, headers = live
    known = national_id_for(date(1980, 5, 5), 0)
    assert requests.post(f"{base}/Patient", json=_patient(known), headers=headers,
                         timeout=30).status_code == 201
    start = threading.Barrier(READERS + WRITERS)

    def read(_i: int) -> int:
        start.wait()
        return requests.get(f"{base}/Patient", params={"identifier": f"{FNR_SYSTEM}|{known}"},
                            headers=headers, timeout=60).status_code

    def write(i: int) -> int:
        start.wait()
        return requests.post(f"{base}/Patient", headers=headers, timeout=60,
                             json=_patient(national_id_for(date(1980, 5, 6), i))).status_code

    with ThreadPoolExecutor(READERS + WRITERS) as pool:
        reading = [pool.submit(read, i) for i in range(READERS)]
        writing = [pool.submit(write, i) for i in range(WRITERS)]
        reads = [f.result() for f in reading]
        writes = [f.result() for f in writing]

    assert reads == [200] * READERS
    assert writes == [201] * WRITERS
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1 + WRITERS
        # every read and every write left its audit row
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) >= \
            1 + READERS + WRITERS
