"""``/api/v1/staff/ssi/cases/{id}/classification``: the case's classification and the rules
helper's proposal (GET), and staff's classification of it (PUT).

The PUT names the case version it read, as ``version`` in the body or as ``If-Match``
(the case's ETag): an older one is 409 from the body and 412 from If-Match
(docs/api.md); neither is 422. Another hospital's case is 404; a case not ready to
classify 409; a contradiction of the findings or an override without a reason 422, each
problem under its field.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify

from citizen.api.operations import operation
from citizen.errors import ApiError
from citizen.wound_staff.access import ID, infection_control
from citizen.wound_staff.api_shared import (
    IF_MATCH,
    NOT_FOUND,
    TAGS,
    case_or_404,
    change_request,
    refusals,
)
from citizen.wound_staff.classification_schemas import (
    CaseClassificationSchema,
    ClassificationBodySchema,
)
from services.wound import classification, staff
from services.wound.classify import Proposal
from services.wound.models import FollowUp


def add_routes(blueprint: Blueprint) -> None:
    path = f"/staff/ssi/cases/<{ID}:case_id>/classification"
    blueprint.add_url_rule(path, endpoint="wound_staff_classification",
                           view_func=get_classification)
    blueprint.add_url_rule(path, endpoint="wound_staff_classify", view_func=put_classification,
                           methods=["PUT"])


@operation(summary="The case's classification and the rules helper's proposal", tags=TAGS,
           responses={200: CaseClassificationSchema},
           response_headers={"ETag": "The case's version; send it back to classify."},
           problems={**NOT_FOUND, 403: "Not infection-control staff."})
@infection_control
def get_classification(case_id: int) -> Response:
    case = case_or_404(case_id)
    staff.audit_read(case, actor=g.actor, resource_type=classification.RESOURCE)
    return _answer(case, classification.proposal_for(case))


@operation(summary="Classify the case", tags=TAGS, body=ClassificationBodySchema,
           description="Stores the level, criterion and findings beside the helper's "
                       "proposal and moves the case to classified (a classified case is "
                       "updated). criterion null takes the proposal's; consequences null "
                       "those the hospital reported. Another level than the proposal needs "
                       "override_reason.",
           responses={200: CaseClassificationSchema},
           request_headers=IF_MATCH,
           response_headers={"ETag": "The case's new version."},
           problems={**NOT_FOUND,
                     403: "Another origin, or not infection-control staff.",
                     409: "The case changed since that version, or it cannot be classified "
                          "in its state (errors.code: stale, state).",
                     412: "The case changed since the ETag in If-Match.",
                     422: "Invalid fields, no version, a contradiction of the findings or an "
                          "override without its reason (errors: per field)."})
@infection_control
def put_classification(case_id: int) -> Response:
    body, version, from_header = change_request(case_id, ClassificationBodySchema())
    try:
        with refusals(from_header=from_header, wrong_state=(classification.WrongState,)):
            stored = classification.classify(case_id=case_id, decision=body,
                                             version=version, actor=g.actor)
    except classification.Refused as refused:
        errors: dict[str, list[str]] = {}
        for problem in refused.problems:
            errors.setdefault(problem.field or "level", []).append(str(problem))
        raise ApiError(422, "the classification does not fit the findings",
                       errors=errors) from None
    case = case_or_404(case_id)
    return _answer(case, classification.proposal_for(case), stored=stored)


def _answer(case: FollowUp, proposal: Proposal, *, stored=None) -> Response:
    stored = stored or classification.classification_of(case)
    body = {"case_id": case.id, "version": case.version_id, "state": case.state.value,
            "classifiable": case.state in classification.CLASSIFIABLE,
            "classification": _stored_fields(stored) if stored else None,
            "proposal": proposal_fields(proposal)}
    response = jsonify(CaseClassificationSchema().dump(body))
    response.set_etag(str(case.version_id))
    return response


def _stored_fields(stored) -> dict:
    return {name: getattr(stored, name) for name in (
        "level", "criterion", "organ_site", "onset_on", "detected", "microorganism",
        "readmitted", "reoperated", "died", "findings", "proposed_level",
        "proposed_criterion", "override_reason", "classified_by", "classified_at")}


def proposal_fields(proposal: Proposal) -> dict:
    """The proposal as the API shows it (reasons and notes in English)."""
    return {"level": proposal.level.value, "criterion": proposal.criterion,
            "reasons": [str(r) for r in proposal.reasons],
            "notes": [str(n) for n in proposal.notes],
            "met": {level.value: list(codes) for level, codes in proposal.met.items()},
            "onset_day": proposal.onset_day}
