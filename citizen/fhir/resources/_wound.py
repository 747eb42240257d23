"""What the wound resource handlers over a follow-up case share: searching by its patient
and by its operation. Not a resource type: it registers nothing."""

from __future__ import annotations

from citizen.fhir.params import of_people
from citizen.fhir.registry import SearchParam
from services.wound.models import FollowUp


def case_search_params(operation_param: str) -> dict[str, SearchParam]:
    """``patient`` and the reference to the operation's Procedure, named ``operation_param``
    (``part-of`` on a QuestionnaireResponse, ``evidence-detail`` on a Condition)."""
    return {
        "patient": SearchParam("reference", "the patient: Patient/<id>, or "
                               "patient.identifier=<system>|<fødselsnummer>",
                               of_people(FollowUp.person_id), target="Patient"),
        operation_param: SearchParam(
            "reference", f"the operation: Procedure/<id>, or "
                         f"{operation_param}.identifier=<system>|<value>",
            lambda statement, ids: statement.where(FollowUp.operation_id.in_(ids)),
            target="Procedure"),
    }
