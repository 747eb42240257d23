"""The export page, the download and the API: the nurse's hospital only, bad input 400."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.people.models import Role
from tests.citizen.pages import sign_in_staff
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.wound.factories import make_case


def test_download_csv_holds_only_the_own_hospital(nurse_client, hospital):
    other = make_organisation(name="Helse Bergen", org_number="983974724")
    make_case(make_person(), hospital, performed_at=datetime(2026, 2, 1, 9, tzinfo=UTC))
    make_case(make_person(), other, performed_at=datetime(2026, 2, 1, 9, tzinfo=UTC))

    response = nurse_client.get("/staff/ssi/exports/download?tertial=2026-1&format=csv")

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1 and rows[0]["hospital_org_number"] == "883974832"
    assert response.headers["X-Not-Classified"] == "1"


def test_api_gives_a_fhir_bundle(nurse_client, hospital):
    make_case(make_person(), hospital, performed_at=datetime(2026, 2, 1, 9, tzinfo=UTC))

    response = nurse_client.get("/api/v1/staff/ssi/exports?tertial=2026-1&format=fhir")

    assert response.status_code == 200
    assert json.loads(response.data)["type"] == "collection"


@pytest.mark.parametrize("query", ["tertial=2026-4&format=csv", "tertial=x&format=csv",
                                   "tertial=2026-1&format=xml", "format=csv", ""])
def test_bad_input_is_400(nurse_client, query):
    assert nurse_client.get(f"/staff/ssi/exports/download?{query}").status_code == 400
    assert nurse_client.get(f"/api/v1/staff/ssi/exports?{query}").status_code == 400


@pytest.mark.parametrize("tertial", ["0001-1", "9999-3"])
def test_the_calendars_first_and_last_tertials_are_empty_not_errors(nurse_client, tertial):
    page = nurse_client.get(f"/staff/ssi/exports?tertial={tertial}")
    assert page.status_code == 200
    for path in ("/staff/ssi/exports/download", "/api/v1/staff/ssi/exports"):
        got = nurse_client.get(f"{path}?tertial={tertial}&format=csv")
        assert got.status_code == 200 and got.headers["X-Operations"] == "0"
        assert got.data.decode().count("\r\n") == 1  # the header row only


def test_page_shows_the_counts(nurse_client, hospital):
    make_case(make_person(), hospital, performed_at=datetime(2026, 2, 1, 9, tzinfo=UTC))

    response = nurse_client.get("/staff/ssi/exports?tertial=2026-1")

    assert response.status_code == 200
    assert nurse_client.get("/staff/ssi/exports?tertial=nope").status_code == 400


def test_staff_without_the_role_are_refused(client, hospital):
    sign_in_staff(client, make_staff(hospital, Role.ULTRASOUND_CLINIC), hospital)

    assert client.get("/api/v1/staff/ssi/exports?tertial=2026-1&format=csv").status_code == 403
    assert client.get("/staff/ssi/exports").status_code in (302, 403)


@given(tertial=st.one_of(st.text(max_size=12), st.from_regex(r"\A-?\d{1,5}-\d\Z")),
       format=st.sampled_from(["csv", "fhir", "", "xml"]))
def test_no_tertial_is_a_server_error(nurse_client, tertial, format):
    query = {"tertial": tertial, "format": format}
    assert nurse_client.get("/staff/ssi/exports", query_string=query).status_code in (200, 400)
    for path in ("/staff/ssi/exports/download", "/api/v1/staff/ssi/exports"):
        assert nurse_client.get(path, query_string=query).status_code in (200, 400)
