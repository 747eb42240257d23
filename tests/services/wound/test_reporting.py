"""The NOIS-POSI tertial export: every operation of the hospital in the tertial,
de-identified, with its outcome once classified; audited; another hospital's never in it."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from services.audit.models import AuditEvent
from services.db import db
from services.wound import reporting
from services.wound.models import CaseState, Classification, Detection, SSILevel
from services.wound.periods import parse_tertial
from tests.plugins.factories import make_organisation, make_person
from tests.services.wound.factories import make_case

SECRET = "s" * 40




def _classify(case, level, **fields):
    db.session.add(Classification(follow_up_id=case.id, level=level, classified_by="staff 1",
                                  **fields))
    case.state = CaseState.CLASSIFIED
    db.session.commit()


def _rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def test_csv_has_every_operation_of_the_tertial_and_only_classified_outcomes(hospital, nurse):
    kari, ola = make_person(), make_person(given_name="Ola")
    deep = make_case(kari, hospital, performed_at=datetime(2026, 1, 10, 9, tzinfo=UTC))
    _classify(deep, SSILevel.DEEP, criterion="deep-purulent", onset_on=date(2026, 1, 20),
              detected=Detection.AFTER_DISCHARGE, microorganism="S. aureus", reoperated=True)
    # 00:30 on 1 May in Oslo: the next tertial
    make_case(ola, hospital, performed_at=datetime(2026, 4, 30, 22, 30, tzinfo=UTC))
    make_case(ola, hospital, performed_at=datetime(2026, 4, 30, 12, tzinfo=UTC))

    result = reporting.export(actor=nurse, period=parse_tertial("2026-1"), format="csv",
                              secret=SECRET)

    rows = _rows(result.body)
    assert (result.operations, result.not_classified) == (2, 1)
    assert list(rows[0]) == list(reporting.COLUMNS)
    assert rows[0]["ssi_level"] == "deep" and rows[0]["criterion"] == "deep-purulent"
    assert rows[0]["follow_up_status"] == "known" and rows[0]["reoperated"] == "true"
    assert rows[1]["follow_up_status"] == "unknown" and rows[1]["ssi_level"] == ""
    assert rows[0]["birth_year"] == "1985"
    assert result.filename == "nois-posi-2026-1.csv"


def test_no_name_or_identity_number_and_a_stable_key(hospital, nurse):
    kari = make_person()
    make_case(kari, hospital, performed_at=datetime(2026, 2, 1, 9, tzinfo=UTC))
    make_case(kari, hospital, performed_at=datetime(2026, 3, 1, 9, tzinfo=UTC))

    body = reporting.export(actor=nurse, period=parse_tertial("2026-1"), format="csv",
                            secret=SECRET).body.decode()

    assert "Kari" not in body and "Hansen" not in body
    assert all(str(kari.birth_date) not in value for value in body.split(","))
    keys = {row["patient_key"] for row in _rows(body.encode())}
    assert len(keys) == 1 and len(keys.pop()) == 64


def test_another_hospitals_operations_never_appear(hospital, nurse):
    other = make_organisation(name="Helse Bergen", org_number="983974724")
    make_case(make_person(), other, performed_at=datetime(2026, 2, 1, 9, tzinfo=UTC))

    result = reporting.export(actor=nurse, period=parse_tertial("2026-1"), format="csv",
                              secret=SECRET)

    assert result.operations == 0 and len(_rows(result.body)) == 0


def test_fhir_bundle_has_a_condition_for_an_ssi_only(hospital, nurse):
    kari, ola = make_person(), make_person(given_name="Ola")
    _classify(make_case(kari, hospital, performed_at=datetime(2026, 2, 1, 9, tzinfo=UTC)),
              SSILevel.SUPERFICIAL, criterion="superficial-purulent")
    _classify(make_case(ola, hospital, performed_at=datetime(2026, 2, 2, 9, tzinfo=UTC)),
              SSILevel.NONE)

    bundle = json.loads(reporting.export(actor=nurse, period=parse_tertial("2026-1"),
                                         format="fhir", secret=SECRET).body)

    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert bundle["type"] == "collection"
    assert kinds.count("Procedure") == 2 and kinds.count("Condition") == 1
    condition = next(e["resource"] for e in bundle["entry"]
                     if e["resource"]["resourceType"] == "Condition")
    assert condition["code"]["coding"][0]["code"] == "433202001"
    patient = next(e["resource"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "Patient")
    assert set(patient) == {"resourceType", "identifier", "birthDate"}


def test_export_is_audited_per_patient(hospital, nurse):
    make_case(make_person(), hospital, performed_at=datetime(2026, 2, 1, 9, tzinfo=UTC))

    reporting.export(actor=nurse, period=parse_tertial("2026-1"), format="csv", secret=SECRET)

    rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "WoundNoisExport")).all()
    assert [(r.action, r.purpose) for r in rows] == [("export", "quality-surveillance")]


def test_bad_format_is_refused(hospital, nurse):
    with pytest.raises(reporting.BadFormat):
        reporting.export(actor=nurse, period=parse_tertial("2026-1"), format="xml",
                         secret=SECRET)
