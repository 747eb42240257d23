"""The NOIS-POSI tertial export: every operation of the staff member's hospital performed
in the period (the register is a denominator register), with its risk factors and, once
classified, its outcome; de-identified as the central register is (docs/wound-reporting.md).

CSV (UTF-8, a header row) or a FHIR Bundle (type collection) of a de-identified Patient, a
Procedure per operation and a Condition per SSI. One audit row per patient exported, in one
statement (``record_many``), in the export's transaction.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import sqlalchemy as sa

from services.actors import Actor
from services.audit.service import record_many
from services.clock import utcnow
from services.db import db
from services.people.models import Organisation, Person
from services.wound import catalogue
from services.wound.fhir_condition import ssi_condition
from services.wound.models import (
    Classification,
    FollowUp,
    Operation,
    SSILevel,
)
from services.wound.periods import Period, tertial_name
from services.wound.staff import organisations_of, surveilled_operations
from services.wound.states import PURPOSE

FORMATS = ("csv", "fhir")
#: Domain separation: the pseudonym key is derived from the app's secret for this use only.
PSEUDONYM_LABEL = b"minhelse/wound/nois-posi-export/patient-key/v1"
PSEUDONYM_SYSTEM = "https://minhelse.no/fhir/NamingSystem/nois-posi-patient-key"

#: The CSV's columns, in order (documented in docs/wound-reporting.md).
COLUMNS = (
    "patient_key", "birth_year", "hospital_org_number", "unit_org_number", "operation_key",
    "category", "operated_on", "asa_class", "wound_class", "duration_minutes", "emergency",
    "antibiotic_prophylaxis", "endoscopic", "implant", "nnis_index", "discharged_on",
    "follow_up_status", "ssi_level", "organ_site", "criterion", "onset_on", "detected",
    "microorganism", "readmitted", "reoperated", "died",
)


class BadFormat(ValueError):
    """Not an export format we write."""


@dataclass(frozen=True)
class Export:
    filename: str
    content_type: str
    body: bytes
    operations: int
    not_classified: int


@dataclass(frozen=True)
class Counts:
    operations: int
    not_classified: int


def _query(organisations: set[int], period: Period) -> sa.Select:
    hospital, unit = sa.orm.aliased(Organisation), sa.orm.aliased(Organisation)
    return (sa.select(Operation, FollowUp.state, Classification, Person.birth_date,
                      hospital.org_number.label("hospital_number"),
                      unit.org_number.label("unit_number"))
            .join(FollowUp, FollowUp.operation_id == Operation.id)
            .join(Person, Person.id == Operation.person_id)
            .join(hospital, hospital.id == Operation.organisation_id)
            .outerjoin(unit, unit.id == Operation.unit_id)
            .outerjoin(Classification, Classification.follow_up_id == FollowUp.id)
            .where(*surveilled_operations(organisations, period))
            .order_by(Operation.performed_at, Operation.id))


def counts(*, actor: Actor, period: Period) -> Counts:
    """How many operations the export of ``period`` holds, and how many are not classified."""
    operations, not_classified = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.case((Classification.id.is_(None), 1))))
        .select_from(Operation)
        .join(FollowUp, FollowUp.operation_id == Operation.id)
        .outerjoin(Classification, Classification.follow_up_id == FollowUp.id)
        .where(*surveilled_operations(organisations_of(actor), period))).one()
    return Counts(operations, not_classified)


def pseudonym(secret: str | bytes, *, hospital_id: int, person_id: int) -> str:
    """The patient's key in the hospital's exports: the same person, the same key, every
    tertial; nothing a reader of the export can turn back into a person."""
    raw = secret.encode() if isinstance(secret, str) else secret
    key = hmac.new(raw, PSEUDONYM_LABEL, hashlib.sha256).digest()
    return hmac.new(key, f"{hospital_id}:{person_id}".encode(), hashlib.sha256).hexdigest()


def export(*, actor: Actor, period: Period, format: str, secret: str | bytes) -> Export:
    """The export of ``period`` for ``actor``'s hospital, audited."""
    if format not in FORMATS:
        raise BadFormat(f"format is one of {', '.join(FORMATS)}")
    rows = db.session.execute(_query(organisations_of(actor), period)).all()
    records = [_record(row, secret) for row in rows]
    not_classified = sum(1 for r in rows if r.Classification is None)
    name = tertial_name(period) or f"{period.first.isoformat()}_{period.last.isoformat()}"
    if format == "csv":
        body = _csv(records)
        filename, content_type = f"nois-posi-{name}.csv", "text/csv; charset=utf-8"
    else:
        body = json.dumps(_bundle(records, period, not_classified), ensure_ascii=False,
                          indent=1).encode()
        filename, content_type = f"nois-posi-{name}.json", "application/fhir+json"
    record_many(actor=actor, action="export", resource_type="WoundNoisExport",
                accesses=[(row.Operation.id, row.Operation.person_id) for row in rows],
                purpose=PURPOSE)
    return Export(filename, content_type, body, len(rows), not_classified)


def _record(row, secret) -> dict[str, Any]:
    operation: Operation = row.Operation
    classification: Classification | None = row.Classification
    known = classification is not None
    record = {
        "patient_key": pseudonym(secret, hospital_id=operation.organisation_id,
                                 person_id=operation.person_id),
        "birth_year": row.birth_date.year,
        "hospital_org_number": row.hospital_number,
        "unit_org_number": row.unit_number or "",
        "operation_key": pseudonym(secret, hospital_id=operation.organisation_id,
                                   person_id=-operation.id)[:32],
        "category": operation.category,
        "operated_on": operation.operated_on.isoformat(),
        "asa_class": operation.asa_class, "wound_class": operation.wound_class,
        "duration_minutes": operation.duration_minutes,
        "emergency": operation.emergency,
        "antibiotic_prophylaxis": operation.antibiotic_prophylaxis,
        "endoscopic": operation.endoscopic, "implant": operation.implant,
        "nnis_index": operation.nnis_index,
        "discharged_on": operation.discharged_on.isoformat() if operation.discharged_on else "",
        "follow_up_status": "known" if known else "unknown",
    }
    outcome = dict.fromkeys(("ssi_level", "organ_site", "criterion", "onset_on", "detected",
                             "microorganism", "readmitted", "reoperated", "died"), "")
    if known:
        outcome.update(
            ssi_level=classification.level.value, organ_site=classification.organ_site or "",
            criterion=classification.criterion or "",
            onset_on=classification.onset_on.isoformat() if classification.onset_on else "",
            detected=classification.detected.value if classification.detected else "",
            microorganism=classification.microorganism or "",
            readmitted=classification.readmitted, reoperated=classification.reoperated,
            died=classification.died)
    return record | outcome


def _csv(records: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow(["true" if v is True else "false" if v is False else v
                         for v in (record[c] for c in COLUMNS)])
    return out.getvalue().encode("utf-8")


def _bundle(records: list[dict[str, Any]], period: Period, not_classified: int) -> dict:
    entries: list[dict] = []
    patients: set[str] = set()
    for record in records:
        patient = f"urn:uuid:{_uuid(record['patient_key'])}"
        if record["patient_key"] not in patients:
            patients.add(record["patient_key"])
            entries.append({"fullUrl": patient, "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": PSEUDONYM_SYSTEM, "value": record["patient_key"]}],
                "birthDate": str(record["birth_year"])}})
        procedure = f"urn:uuid:{_uuid(record['operation_key'])}"
        entries.append({"fullUrl": procedure, "resource": _procedure(record, patient)})
        if record["ssi_level"] and record["ssi_level"] != SSILevel.NONE.value:
            entries.append({"fullUrl": f"urn:uuid:{_uuid(record['operation_key'] + 'c')}",
                            "resource": ssi_condition(record, patient, procedure)})
    return {"resourceType": "Bundle", "type": "collection",
            "timestamp": utcnow().astimezone(UTC).isoformat(timespec="seconds")
            .replace("+00:00", "Z"),
            "meta": {"tag": [{"system": "https://minhelse.no/fhir/CodeSystem/export-period",
                              "code": tertial_name(period) or period.first.isoformat()},
                             {"system": "https://minhelse.no/fhir/CodeSystem/export-count",
                              "code": "not-classified",
                              "display": f"{not_classified} of {len(records)} operations "
                                         "not classified yet"}]},
            "entry": entries}


def _uuid(key: str) -> str:
    h = key[:32].ljust(32, "0")
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _procedure(record: dict[str, Any], patient: str) -> dict[str, Any]:
    from services.wound import fhir as wound_fhir  # the extensions are defined there

    category = catalogue.load().by_key(record["category"])
    extensions = [wound_fhir.ASA.of(record["asa_class"]),
                  wound_fhir.WOUND_CLASS.of(record["wound_class"]),
                  wound_fhir.EMERGENCY.of(record["emergency"]),
                  wound_fhir.PROPHYLAXIS.of(record["antibiotic_prophylaxis"]),
                  wound_fhir.ENDOSCOPIC.of(record["endoscopic"]),
                  wound_fhir.IMPLANT.of(record["implant"]),
                  wound_fhir.NNIS.of(record["nnis_index"])]
    if record["discharged_on"]:
        extensions.append(wound_fhir.DISCHARGED.of(record["discharged_on"]))
    return {"resourceType": "Procedure", "extension": extensions,
            "identifier": [{"system": PSEUDONYM_SYSTEM + "/operation",
                            "value": record["operation_key"]}],
            "status": "completed",
            "code": {"coding": [{"system": catalogue.CATEGORY_SYSTEM, "code": record["category"],
                                 "display": category.name("en") if category
                                 else record["category"]}]},
            "subject": {"reference": patient},
            "performedDateTime": record["operated_on"],
            "performer": [{"actor": {"identifier": {
                "system": "urn:oid:2.16.578.1.12.4.1.4.101",
                "value": record["unit_org_number"] or record["hospital_org_number"]}}}]}
