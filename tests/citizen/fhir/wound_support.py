"""A valid Procedure as a hospital system registers an operation under surveillance."""

from __future__ import annotations

import copy
from typing import Any

from services.people.identity import FNR_SYSTEM

ORG_NUMBER_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.101"
EXT = "https://minhelse.no/fhir/StructureDefinition/"
NCSP = "urn:oid:2.16.578.1.12.4.1.1.7271"


def procedure(*, national_id: str, identifier: str = "OP-1", category: str = "CSEC",
              start: str = "2026-03-02T09:00:00+01:00", end: str = "2026-03-02T09:45:00+01:00",
              asa: Any = 2, wound_class: Any = 2, emergency: Any = False,
              prophylaxis: Any = True, endoscopic: Any = False, hospital: str = "883974832",
              **extensions: Any) -> dict[str, Any]:
    """``extensions``: more by id (``implant=True``, ``discharge_date="2026-03-05"``)."""
    resource = {
        "resourceType": "Procedure",
        "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1.4", "value": identifier}],
        "status": "completed",
        "code": {"coding": [{"system": NCSP, "code": "MCA10", "display": "Keisersnitt"},
                            {"code": category}]},
        "subject": {"identifier": {"system": FNR_SYSTEM, "value": national_id}},
        "performedPeriod": {"start": start, "end": end},
        "performer": [{"actor": {"type": "Organization", "display": "Kirurgisk klinikk",
                                 "identifier": {"system": ORG_NUMBER_SYSTEM, "value": hospital}},
                       "onBehalfOf": {"identifier": {"system": ORG_NUMBER_SYSTEM,
                                                     "value": hospital}}}],
        "extension": [
            {"url": EXT + "asa-class", "valueInteger": asa},
            {"url": EXT + "wound-class", "valueInteger": wound_class},
            {"url": EXT + "emergency", "valueBoolean": emergency},
            {"url": EXT + "antibiotic-prophylaxis", "valueBoolean": prophylaxis},
            {"url": EXT + "endoscopic", "valueBoolean": endoscopic},
        ],
    }
    for name, value in extensions.items():
        key = "valueBoolean" if isinstance(value, bool) else (
            "valueDate" if isinstance(value, str) else "valueInteger")
        resource["extension"].append({"url": EXT + name.replace("_", "-"), key: value})
    return copy.deepcopy(resource)


def questionnaire_response(*, national_id: str | None = None, patient_id: int | None = None,
                           operation: tuple[str, str] | None = None,
                           procedure_id: int | None = None, **answers: Any) -> dict[str, Any]:
    """Her answer as a client sends it: the patient by identity number (or Patient/<id>),
    the operation by its identifier (system, value) or Procedure/<id>; ``answers`` as
    ``tests.services.wound.answering.response`` takes them."""
    from tests.services.wound.answering import response

    resource = response(**answers)
    resource["subject"] = ({"identifier": {"system": FNR_SYSTEM, "value": national_id}}
                           if national_id else {"reference": f"Patient/{patient_id}"})
    resource["partOf"] = ([{"type": "Procedure", "identifier": {"system": operation[0],
                                                                  "value": operation[1]}}]
                          if operation else [{"reference": f"Procedure/{procedure_id}"}])
    return resource
