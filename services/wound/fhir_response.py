"""Her answer ↔ FHIR R4 QuestionnaireResponse: which follow-up case a response answers,
and the stored answer as a resource. Shared by the channels that speak FHIR (a client's
create at ``/fhir/R4/QuestionnaireResponse``, helsenorge's answer message).

A response names its case by the operation it follows up, and its patient:

- ``partOf``: the operation's ``Procedure``, as ``Procedure/<id>`` (our id) or by the
  hospital's business identifier (``{"type": "Procedure", "identifier": {system, value}}``).
  Each operation has exactly one follow-up case, so this names the case;
- ``subject``: the patient, by fødselsnummer or D-number, or ``Patient/<id>``. It must be
  the operation's patient: a response filed under the wrong person is refused, and the
  refusal is the same as for an operation nobody knows (it tells nothing about others).

Only the items are kept (``services.wound.answers``); ``authored`` is when we stored it.
"""

from __future__ import annotations

import hmac
from typing import Any

import sqlalchemy as sa

from services.db import db
from services.fhir import mapping
from services.fhir.extensions import define_extension
from services.fhir.mapping import MappingError
from services.people.fhir import NATIONAL_ID_SYSTEMS
from services.people.models import Person
from services.people.service import national_id_of
from services.wound import answers
from services.wound.models import Answer, FollowUp, Operation

RESOURCE = answers.RESOURCE
NO_CASE = ("no follow-up of this patient is known for this operation: partOf names the "
           "operation's Procedure (Procedure/<id>, or its identifier), subject the patient")

CHANNEL = define_extension(
    "answer-channel", "code", context="QuestionnaireResponse", title="How it was answered",
    description="web, helsenorge, fhir (an app or another system), sms or phone (staff "
                "filled it in on the patient's behalf). Written by Min helse; ignored when "
                "sent.")


def case_named(resource: dict[str, Any], *, allow_synthetic: bool) -> FollowUp:
    """The follow-up case ``resource`` answers; :class:`MappingError` if it names none of
    its patient's."""
    person_id = mapping.patient(resource.get("subject"), f"{RESOURCE}.subject",
                                allow_synthetic=allow_synthetic)
    operation_id = operation_named(resource.get("partOf"))
    case = db.session.scalar(sa.select(FollowUp).where(FollowUp.operation_id == operation_id)
                             ) if operation_id is not None else None
    if case is None or case.person_id != person_id:
        raise MappingError(NO_CASE, f"{RESOURCE}.partOf")
    return case


def is_subject(reference: Any, person: Person) -> bool:
    """Whether ``reference`` (a ``subject``) names ``person``: by her identity number, or
    as ``Patient/<id>``."""
    if not isinstance(reference, dict):
        return False
    identifier = reference.get("identifier")
    if isinstance(identifier, dict):
        return identifier.get("system") in NATIONAL_ID_SYSTEMS and hmac.compare_digest(
            str(identifier.get("value") or "").encode(), national_id_of(person).encode())
    return reference.get("reference") == f"Patient/{person.id}"


def operation_named(part_of: Any) -> int | None:
    """The operation the first Procedure reference of ``partOf`` names, if it is known."""
    where = f"{RESOURCE}.partOf"
    for index, reference in enumerate(part_of if isinstance(part_of, list) else []):
        if not isinstance(reference, dict):
            continue
        literal = reference.get("reference")
        if isinstance(literal, str) and literal.startswith("Procedure/"):
            return mapping.resource_id(literal.removeprefix("Procedure/"))
        identifier = reference.get("identifier")
        if reference.get("type") in (None, "Procedure") and isinstance(identifier, dict):
            system, value = identifier.get("system"), identifier.get("value")
            if not (isinstance(system, str) and isinstance(value, str)):
                raise MappingError("an identifier needs a system and a value",
                                   f"{where}[{index}].identifier")
            return db.session.scalar(sa.select(Operation.id).where(
                Operation.identifier_system == system,
                Operation.identifier_value == value.strip()))
    raise MappingError("name the operation this answers for: partOf a Procedure, as "
                       "Procedure/<id> or by its identifier (system and value)", where)


def is_final(resource: dict[str, Any]) -> bool:
    """``completed`` is the final answer, ``in-progress`` a draft; nothing else is taken."""
    status = resource.get("status")
    if status not in ("completed", "in-progress"):
        raise MappingError("status is completed (the answer) or in-progress (a draft to "
                           "finish later)", f"{RESOURCE}.status")
    return status == "completed"


def response_query() -> sa.Select:
    """The columns ``to_questionnaire_response`` writes from: the answer's, its case's
    patient and questionnaire, and the operation's identifier."""
    return (sa.select(*Answer.__table__.columns, Answer.saved_at.label("updated_at"),
                      FollowUp.person_id, FollowUp.operation_id, FollowUp.questionnaire_url,
                      FollowUp.questionnaire_version, Operation.identifier_system,
                      Operation.identifier_value)
            .join(FollowUp, FollowUp.id == Answer.follow_up_id)
            .join(Operation, Operation.id == FollowUp.operation_id))


def to_questionnaire_response(row) -> dict[str, Any]:
    """A row of ``response_query()`` as a QuestionnaireResponse (the row has the columns of
    both the answer and the case that ``answers.as_resource`` reads)."""
    resource = answers.as_resource(row, row)
    return {**resource, "extension": [CHANNEL.of(row.channel.value)],
            "subject": {"reference": f"Patient/{row.person_id}"},
            "partOf": [{"reference": f"Procedure/{row.operation_id}", "type": "Procedure",
                        "identifier": {"system": row.identifier_system,
                                       "value": row.identifier_value}}]}
