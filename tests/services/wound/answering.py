"""QuestionnaireResponses for the wound questionnaire 1.0, as the channels send them."""

from __future__ import annotations

from typing import Any

CANONICAL = "https://minhelse.no/fhir/Questionnaire/wound-infection-followup|1.0"
SEVERITY = "https://minhelse.no/fhir/CodeSystem/wound-sign-severity"
SIGNS = ("redness", "warmth", "swelling", "pain", "clear-fluid", "bloody-fluid", "pus")


def severity(code: str) -> dict[str, Any]:
    return {"valueCoding": {"system": SEVERITY, "code": code}}


def response(*, signs: dict[str, str] | None = None, opened: bool = False,
             fever: bool = False, sought_advice: bool = False, antibiotics: bool = False,
             onset: str | None = None, complete: bool = True,
             canonical: str = CANONICAL) -> dict[str, Any]:
    """A full answer (every sign 'none' unless ``signs`` says otherwise); ``complete=False``
    leaves out the second group (a draft half-way)."""
    signs = {name: "none" for name in SIGNS} | (signs or {})
    sign_items = [{"linkId": name, "answer": [severity(code)]} for name, code in signs.items()]
    opened_item: dict[str, Any] = {"linkId": "opened", "answer": [{"valueBoolean": opened}]}
    if opened:
        opened_item["answer"][0]["item"] = [{"linkId": "opened-deep",
                                             "answer": [{"valueBoolean": False}]}]
    sign_items += [opened_item, {"linkId": "fever", "answer": [{"valueBoolean": fever}]}]
    if onset:
        sign_items.append({"linkId": "onset", "answer": [{"valueDate": onset}]})
    items = [{"linkId": "signs", "item": sign_items}]
    if complete:
        care = [{"linkId": "sought-advice", "answer": [{"valueBoolean": sought_advice}]}]
        if sought_advice:
            care += [{"linkId": "antibiotics", "answer": [{"valueBoolean": antibiotics}]},
                     {"linkId": "opened-by-doctor", "answer": [{"valueBoolean": False}]},
                     {"linkId": "readmitted", "answer": [{"valueBoolean": False}]},
                     {"linkId": "reoperated", "answer": [{"valueBoolean": False}]}]
        items.append({"linkId": "care", "item": care})
    return {"resourceType": "QuestionnaireResponse", "questionnaire": canonical,
            "status": "completed" if complete else "in-progress", "item": items}
