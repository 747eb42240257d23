"""Her answers to the wound questionnaire (1.0), for the demo data: what she reports, as
the QuestionnaireResponse a form or helsenorge would send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.wound import answers
from services.wound.models import FollowUp

SEVERITY = "https://minhelse.no/fhir/CodeSystem/wound-sign-severity"
SIGNS = ("redness", "warmth", "swelling", "pain", "clear-fluid", "bloody-fluid", "pus")


@dataclass(frozen=True)
class Care:
    """The second page: whether she sought advice, and what was done."""

    sought_advice: bool = False
    antibiotics: bool = False
    opened_by_doctor: bool = False
    readmitted: bool = False
    reoperated: bool = False


@dataclass(frozen=True)
class Reply:
    #: Sign → severity (a-little, quite-a-bit, a-lot); a sign not named is "none".
    signs: Mapping[str, str] = field(default_factory=dict)
    opened: bool = False
    opened_deep: bool = False
    fever: bool = False
    #: None: she stopped after the first page (a draft).
    care: Care | None = field(default_factory=Care)


def response(case: FollowUp, reply: Reply) -> dict[str, Any]:
    """``reply`` as a QuestionnaireResponse to the case's questionnaire."""
    return {"resourceType": "QuestionnaireResponse", "questionnaire": answers.canonical(case),
            "status": "completed" if reply.care is not None else "in-progress",
            "item": items(reply)}


def items(reply: Reply) -> list[dict[str, Any]]:
    """The response's items: the signs page, and the care page unless it is a draft."""
    signs: list[dict[str, Any]] = [
        {"linkId": sign, "answer": [{"valueCoding": {"system": SEVERITY,
                                                     "code": reply.signs.get(sign, "none")}}]}
        for sign in SIGNS]
    opened: dict[str, Any] = {"valueBoolean": reply.opened}
    if reply.opened:
        opened["item"] = [{"linkId": "opened-deep",
                           "answer": [{"valueBoolean": reply.opened_deep}]}]
    signs += [{"linkId": "opened", "answer": [opened]},
              {"linkId": "fever", "answer": [{"valueBoolean": reply.fever}]}]
    group = [{"linkId": "signs", "item": signs}]
    if reply.care is not None:
        care = reply.care
        asked = [{"linkId": "sought-advice", "answer": [{"valueBoolean": care.sought_advice}]}]
        if care.sought_advice:
            asked += [{"linkId": link, "answer": [{"valueBoolean": given}]}
                      for link, given in (("antibiotics", care.antibiotics),
                                          ("opened-by-doctor", care.opened_by_doctor),
                                          ("readmitted", care.readmitted),
                                          ("reoperated", care.reoperated))]
        group.append({"linkId": "care", "item": asked})
    return group
