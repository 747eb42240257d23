"""Classified SSIs ↔ FHIR R4 Condition: the one place for this mapping (read-only).

A classification of superficial, deep or organ/space is a ``Condition``: SNOMED CT 433202001
*Surgical site infection*, the level in ``stage.summary``, the criterion met in
``evidence.code``, the operation in ``evidence.detail``. "No SSI" is no Condition: for a
classified Procedure, the absence of a Condition means no SSI (docs/wound-fhir.md).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from services.fhir import mapping
from services.wound.classify import CRITERIA, CRITERION_TEXTS, ORGAN_SITES
from services.wound.models import Classification, FollowUp, SSILevel

SNOMED = "http://snomed.info/sct"
#: SNOMED CT 433202001 |Surgical site infection (disorder)|.
SSI_CONCEPT = {"system": SNOMED, "code": "433202001", "display": "Surgical site infection"}
LEVEL_SYSTEM = "https://minhelse.no/fhir/CodeSystem/ssi-level"
CRITERION_SYSTEM = "https://minhelse.no/fhir/CodeSystem/ssi-classification-criterion"
ORGAN_SITE_SYSTEM = "https://minhelse.no/fhir/CodeSystem/nhsn-organ-space-site"
LEVEL_DISPLAY = {SSILevel.SUPERFICIAL: "Superficial incisional SSI",
                 SSILevel.DEEP: "Deep incisional SSI", SSILevel.ORGAN_SPACE: "Organ/space SSI"}


def condition_query() -> sa.Select:
    """The rows ``to_condition`` writes from: classifications of an SSI, with their case."""
    return (sa.select(*Classification.__table__.columns,
                      Classification.classified_at.label("updated_at"),
                      FollowUp.person_id, FollowUp.operation_id, FollowUp.organisation_id)
            .join(FollowUp, FollowUp.id == Classification.follow_up_id)
            .where(Classification.level != SSILevel.NONE))


def to_condition(row) -> dict[str, Any]:
    """A row of ``condition_query()`` as a Condition."""
    record = {"ssi_level": SSILevel(row.level).value, "criterion": row.criterion or "",
              "onset_on": row.onset_on.isoformat() if row.onset_on else "",
              "organ_site": row.organ_site or "",
              "detected": row.detected.value if row.detected else "",
              "microorganism": row.microorganism or ""}
    condition = ssi_condition(record, {"reference": f"Patient/{row.person_id}"},
                              f"Procedure/{row.operation_id}")
    return {"resourceType": "Condition", "id": str(row.id), "meta": mapping.meta(row),
            **{k: v for k, v in condition.items() if k != "resourceType"},
            "recordedDate": mapping.instant(row.classified_at)}


def ssi_condition(record: dict[str, Any], patient: dict | str,
                  procedure: str) -> dict[str, Any]:
    """The SSI as a Condition: its level, criterion, onset, and the operation it follows."""
    subject = patient if isinstance(patient, dict) else {"reference": patient}
    condition: dict[str, Any] = {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"}]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "confirmed"}]},
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
            "code": "encounter-diagnosis"}]}],
        "code": {"coding": [SSI_CONCEPT]},
        "stage": [{"summary": {"coding": [{"system": LEVEL_SYSTEM,
                                           "code": record["ssi_level"]}]}}],
        "subject": subject,
        "evidence": [{"detail": [{"reference": procedure}]}],
    }
    if record["criterion"]:
        condition["evidence"][0]["code"] = [{"coding": [{"system": CRITERION_SYSTEM,
                                                        "code": record["criterion"]}]}]
    if record["onset_on"]:
        condition["onsetDateTime"] = record["onset_on"]
    if record["organ_site"]:
        condition["bodySite"] = [{"coding": [{
            "system": ORGAN_SITE_SYSTEM,
            "code": record["organ_site"]}]}]
    notes = [f"{k}: {record[k]}" for k in ("detected", "microorganism") if record.get(k)]
    if notes:
        condition["note"] = [{"text": "; ".join(notes)}]
    return condition


def level_code_system() -> dict[str, Any]:
    return mapping.code_system(
        id="ssi-level", url=LEVEL_SYSTEM, name="SsiLevel",
        title="Levels of a surgical-site infection",
        description="The NHSN/ECDC level of a classified surgical-site infection "
                    "(Condition.stage.summary). No SSI has no code: it is no Condition.",
        concepts=[{"code": level.value, "display": display}
                  for level, display in LEVEL_DISPLAY.items()])


def criterion_code_system() -> dict[str, Any]:
    return mapping.code_system(
        id="ssi-classification-criterion", url=CRITERION_SYSTEM,
        name="SsiClassificationCriterion",
        title="The criterion a surgical-site infection was classified by",
        description="The NHSN/ECDC criterion met, as the rules helper checks them from "
                    "organ/space down to superficial (Condition.evidence.code).",
        concepts=[{"code": code, "display": CRITERION_TEXTS[code],
                   "definition": f"{LEVEL_DISPLAY[level]}: {CRITERION_TEXTS[code]}"}
                  for code, level in CRITERIA.items()])


def organ_site_code_system() -> dict[str, Any]:
    return mapping.code_system(
        id="nhsn-organ-space-site", url=ORGAN_SITE_SYSTEM, name="NhsnOrganSpaceSite",
        title="NHSN organ/space sites",
        description="The NHSN organ/space infection sites (NHSN Patient Safety Component "
                    "Manual, chapter 9, table 3) that the surveilled operations meet, by "
                    "NHSN's own codes (Condition.bodySite).",
        concepts=[{"code": code, "display": display} for code, display in ORGAN_SITES.items()])
