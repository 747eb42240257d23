"""A database error that becomes a 500 is logged without the statement's parameters."""

from __future__ import annotations

import io
import json
import logging
from datetime import date

import pytest

from services.people.models import Person

FAMILY, GIVEN, BIRTH = "Hemmeligsen", "Sigrid", date(1961, 3, 14)
NATIONAL_ID_HASH = "f" * 64


@pytest.fixture
def json_log():
    from citizen.observability.logs import build_handler

    stream = io.StringIO()
    handler = build_handler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: stream.getvalue()
    root.removeHandler(handler)


def _person(**changes) -> Person:
    return Person(**{"national_id_hash": NATIONAL_ID_HASH,
                     "national_id_encrypted": b"ciphertext-start", "national_id_kind": "fnr",
                     "given_name": GIVEN, "family_name": FAMILY, "birth_date": BIRTH, **changes})


@pytest.fixture
def constraint_client(make_app, db):
    app = make_app()

    @app.get("/api/v1/duplicate-person")
    def duplicate_person():
        # Two people with one identity hash: the INSERT hits the unique constraint, and
        # PostgreSQL's DETAIL names the key's value.
        db.session.add_all([_person(), _person()])
        db.session.flush()
        return {}

    @app.get("/api/v1/person-without-kind")
    def person_without_kind():
        # A NOT NULL violation: PostgreSQL's DETAIL shows the whole failing row.
        db.session.add(_person(national_id_kind=None))
        db.session.flush()
        return {}

    return app.test_client()


@pytest.mark.parametrize("path", ["/api/v1/duplicate-person", "/api/v1/person-without-kind"])
def test_a_database_error_logs_no_statement_parameters(constraint_client, json_log, path):
    response = constraint_client.get(path)
    assert response.status_code == 500
    logged = json_log()
    [line] = [json.loads(line) for line in logged.splitlines()
              if json.loads(line)["message"] == "unhandled error"]
    assert "IntegrityError" in line["exc_info"]
    assert "hidden due to hide_parameters" in line["exc_info"]
    for secret in (FAMILY, GIVEN, BIRTH.isoformat(), NATIONAL_ID_HASH, "ciphertext-start"):
        assert secret not in logged
