"""The statistics page, its CSV and PDF, and the API: figures of one's own hospital only,
clear refusals of bad filters, a citizen and staff without the role refused."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.audit.models import AuditEvent
from services.db import db
from services.people.models import Role
from services.wound.models import (
    AnswerChannel,
    CaseState,
    Classification,
    Detection,
    SSILevel,
)
from tests.citizen.pages import sign_in_citizen, sign_in_staff, text
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.wound.factories import make_case

INVITED = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
Q = "?tertial=2026-1"


@pytest.fixture
def hospitals(db):
    hospital = make_organisation()
    other = make_organisation("Helse Bergen HF", "983974910")
    person = make_person()
    case = make_case(person, hospital, state=CaseState.CLASSIFIED, invited_at=INVITED,
                     answered_at=INVITED + timedelta(days=2), answered_via=AnswerChannel.WEB)
    db.session.add(Classification(follow_up_id=case.id, level=SSILevel.DEEP,
                                  classified_by="staff 1"))
    make_case(person, hospital)
    for _ in range(3):
        make_case(person, other)
    db.session.commit()
    return hospital, other


@pytest.fixture
def nurse(client, hospitals):
    sign_in_staff(client, make_staff(hospitals[0], Role.INFECTION_CONTROL), hospitals[0])
    return client


def test_the_page_shows_the_hospitals_own_figures(nurse):
    got = nurse.get(f"/staff/ssi/statistics{Q}")
    page = text(got)
    assert got.status_code == 200
    assert '<th scope="col">' in page and "<caption>" in page and 'role="img"' in page
    assert "<title id=\"chart-categories-title\">" in page
    assert "50,0 %" in page  # 1 SSI of 2 operations
    assert db.session.query(AuditEvent).filter_by(resource_type="WoundFollowUp").count() == 0


def test_the_other_hospital_sees_its_own(client, hospitals):
    sign_in_staff(client, make_staff(hospitals[1], Role.INFECTION_CONTROL, name="B"),
                  hospitals[1])
    body = client.get(f"/api/v1/staff/ssi/statistics{Q}").get_json()
    assert body["current"]["total"]["operations"] == 3
    assert body["current"]["total"]["ssi"]["numerator"] == 0


def test_the_api_report(nurse):
    got = nurse.get("/api/v1/staff/ssi/statistics?category=csec&from=2026-01-01&to=30.04.2026")
    assert got.status_code == 200
    body = got.get_json()
    assert body["category"] == "CSEC" and body["current"]["first"] == "2026-01-01"
    total = body["current"]["total"]
    assert total["operations"] == 2 and total["ssi"]["numerator"] == 1
    assert total["ssi"]["ci_low"] == pytest.approx(0.0945, abs=1e-4)
    assert body["previous"]["last"] == "2025-12-31"


def test_the_csv(nurse):
    for path in (f"/staff/ssi/statistics.csv{Q}", f"/api/v1/staff/ssi/statistics.csv{Q}"):
        got = nurse.get(path)
        assert got.status_code == 200 and got.mimetype == "text/csv"
        assert got.data.startswith("\ufeff".encode())
        rows = list(csv.DictReader(io.StringIO(got.data.decode("utf-8-sig"))))
        csec = next(r for r in rows if r["period"] == "current" and r["category"] == "CSEC"
                    and r["nnis_index"] == "")
        assert csec["operations"] == "2" and csec["ssi_percent"] == "50.00"


def test_in_hospital_ssis_per_1000_days_on_every_face(nurse, hospitals):
    case = make_case(make_person(), hospitals[0], state=CaseState.CLASSIFIED,
                     discharged_on=date(2026, 3, 6))  # operated on 2 March: 4 days
    db.session.add(Classification(follow_up_id=case.id, level=SSILevel.SUPERFICIAL,
                                  detected=Detection.IN_HOSPITAL, classified_by="staff 1"))
    db.session.commit()

    page = text(nurse.get(f"/staff/ssi/statistics{Q}"))
    assert "Sårinfeksjoner på sykehuset per 1000 dager etter operasjonen" in page
    assert "250,0 (1 på 4 dager)" in page
    total = nurse.get(f"/api/v1/staff/ssi/statistics{Q}").get_json()["current"]["total"]
    assert total["in_hospital"] == {"events": 1, "days": 4, "per_1000": 250.0}
    rows = list(csv.DictReader(io.StringIO(
        nurse.get(f"/staff/ssi/statistics.csv{Q}").data.decode("utf-8-sig"))))
    everything = next(r for r in rows if r["period"] == "current" and r["category"] == "ALL"
                      and r["nnis_index"] == "")
    assert (everything["ssi_in_hospital"], everything["post_op_days_in_hospital"],
            everything["ssi_in_hospital_per_1000"]) == ("1", "4", "250.00")
    pdf = pypdf.PdfReader(io.BytesIO(nurse.get(f"/staff/ssi/statistics.pdf{Q}").data))
    assert "250,0 (1 på 4 dager)" in "".join(p.extract_text() for p in pdf.pages)


def test_the_pdf(nurse):
    got = nurse.get(f"/staff/ssi/statistics.pdf{Q}&lang=nn")
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(got.data))
    assert reader.trailer["/Root"]["/Lang"] == "nn"
    assert reader.metadata.title
    assert _figures(reader.trailer["/Root"]["/StructTreeRoot"]) == [
        "Postoperative sårinfeksjonar per operasjonstype",
        "Sårinfeksjonar etter NNIS-risikoindeks"]
    assert "2026-1: 50,0 % (9,5–90,5 %)" in "".join(page.extract_text()
                                                     for page in reader.pages)


def _figures(node) -> list[str]:
    """The alternative texts of the tagged figures (the charts), in reading order."""
    node = node.get_object()
    if isinstance(node, list):
        return [alt for child in node for alt in _figures(child)]
    if not isinstance(node, dict):
        return []
    found = [str(node["/Alt"])] if node.get("/S") == "/Figure" else []
    return found + (_figures(node["/K"]) if "/K" in node else [])


@pytest.mark.parametrize("query", [
    "?category=NOPE", "?from=1.1.2026", "?from=31.12.2026&to=1.1.2026", "?tertial=2026-4",
    "?tertial=0000-1", "?tertial=2026-1&from=1.1.2026&to=2.1.2026", "?from=x&to=y",
    "?from=10000-01-01&to=2026-01-01"])
def test_bad_filters_are_refused(nurse, query):
    assert nurse.get(f"/staff/ssi/statistics{query}").status_code == 422
    got = nurse.get(f"/api/v1/staff/ssi/statistics{query}")
    assert got.status_code == 422 and got.get_json()["errors"]


def test_the_calendars_edges(nurse):
    assert nurse.get("/api/v1/staff/ssi/statistics?from=0001-01-01&to=9999-12-31"
                     ).status_code == 200
    assert nurse.get("/staff/ssi/statistics?tertial=0001-1").status_code == 200
    assert nurse.get("/staff/ssi/statistics?tertial=9999-3").status_code == 200


@given(st.dictionaries(st.sampled_from(["category", "from", "to", "tertial"]),
                       st.text(max_size=12)))
def test_no_query_is_a_server_error(nurse, query):
    got = nurse.get("/api/v1/staff/ssi/statistics", query_string=query)
    assert got.status_code in (200, 422)


def test_a_citizen_and_staff_without_the_role_are_refused(client, hospitals):
    sign_in_citizen(client, make_person())
    assert client.get("/api/v1/staff/ssi/statistics").status_code in (401, 403)
    assert client.get("/staff/ssi/statistics").status_code in (302, 403)
    sign_in_staff(client, make_staff(hospitals[0], Role.ULTRASOUND_CLINIC, name="U"),
                  hospitals[0])
    assert client.get("/staff/ssi/statistics").status_code == 403
    assert client.get("/api/v1/staff/ssi/statistics.csv").status_code == 403
