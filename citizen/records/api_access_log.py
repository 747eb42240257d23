"""``/api/v1/access-log``: her access log, newest first, by period and keyset pages; and
``POST /api/v1/access-log/{id}/questions``, "ask why" about one entry.

Whose log: the person the citizen acts for, when the representation covers records (403
otherwise); an entry of anyone else's log is 404. Only an entry naming an organisation can
be asked about (422, ``errors.code``); a question still open about it is 409.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from citizen.api.operations import operation
from citizen.api.paging import keyset_page, next_url, page_args
from citizen.api.schemas import PageQuerySchema, page_of
from citizen.auth.current import login_required
from citizen.errors import ApiError
from citizen.payloads import load_json
from citizen.records import log_labels
from citizen.records.access_log import log_subject
from services.clock import day_ends, day_starts
from services.people.models import Person, Role
from services.people.representation import Basis
from services.records import access_log, questions
from services.records.access_log import Entry, Who
from services.records.models import AccessQuestion, QuestionStatus

TAGS = ("records",)
NOT_COVERED = "the representation does not cover the health record"


class AccessLogQuerySchema(PageQuerySchema):
    """A page of her log, optionally of a period: whole Norwegian days, both included."""

    from_ = fields.Date(data_key="from", load_default=None,
                        metadata={"description": "first day (YYYY-MM-DD), Norwegian time"})
    to = fields.Date(load_default=None, metadata={"description": "last day, included"})

    @validates_schema
    def _in_order(self, data, **_kwargs):
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            raise ValidationError("must not be before from", field_name="to")


class AccessLogOrganisationSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    org_number = fields.String(required=True)


class PartySchema(Schema):
    """Who acted: staff, a representative (parent or fullmakt holder), another person, or
    a computer system."""

    kind = fields.String(required=True, validate=validate.OneOf([w.value for w in Who]))
    name = fields.String(required=True, allow_none=True)
    hpr_number = fields.String(required=True, allow_none=True)
    roles = fields.List(fields.String(validate=validate.OneOf([r.value for r in Role])),
                        required=True, metadata={"description": "staff: roles there"})
    basis = fields.String(required=True, allow_none=True,
                          validate=validate.OneOf([Basis.GUARDIAN.value, Basis.FULLMAKT.value]))
    client_id = fields.String(required=True, allow_none=True)


class QuestionSchema(Schema):
    """Her "ask why" question about an entry, and the answer once there is one."""

    id = fields.Integer(required=True)
    entry = fields.Integer(required=True, metadata={"description": "the entry's id"})
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in
                                                                    QuestionStatus]))
    organisation = fields.Nested(AccessLogOrganisationSchema, required=True)
    question = fields.String(required=True)
    asked_at = fields.AwareDateTime(required=True)
    answer = fields.String(required=True, allow_none=True)
    answered_at = fields.AwareDateTime(required=True, allow_none=True)


class AccessLogEntrySchema(Schema):
    """One entry: who read or changed what about her, when and why."""

    id = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True, metadata={"description": "UTC"})
    actor = fields.Nested(PartySchema, required=True)
    organisation = fields.Nested(AccessLogOrganisationSchema, required=True, allow_none=True)
    action = fields.String(required=True, metadata={"description": "read, search, create, "
                                                                   "update, export ..."})
    resource_type = fields.String(required=True)
    resource_id = fields.String(required=True, allow_none=True)
    purpose = fields.String(required=True)
    purpose_text = fields.String(required=True, metadata={
        "description": "the purpose in the request's language"})
    reason = fields.String(required=True, allow_none=True)
    may_ask = fields.Boolean(required=True, metadata={
        "description": "whether ask why can go to an organisation"})
    questions = fields.List(fields.Nested(QuestionSchema), required=True)


class AskSchema(Schema):
    question = fields.String(load_default="", validate=validate.Length(max=20_000),
                             metadata={"description": "optional; at most 1000 characters, "
                                                      "no control characters but line breaks "
                                                      "and tabs",
                                       "pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f"
                                                  "\\x7f-\\x9f]*$"})


@operation(summary="Who has seen her record: her access log, newest first", tags=TAGS,
           description="Her own actions are left out. Names, roles and organisations are "
                       "as they are now; answers shown are marked as seen.",
           query=AccessLogQuerySchema, responses={200: page_of(AccessLogEntrySchema)},
           problems={403: NOT_COVERED})
@login_required
def list_access_log() -> Response:
    subject = _subject()
    try:
        query = AccessLogQuerySchema().load(request.args.to_dict())
    except ValidationError as exc:
        raise ApiError(422, "the query has invalid parameters",
                       errors=exc.normalized_messages()) from None
    since = day_starts(query["from_"]) if query["from_"] else None
    until = day_ends(query["to"]) if query["to"] else None
    page = keyset_page(access_log.statement(subject_id=subject.id, since=since, until=until),
                       keys=access_log.KEYS, args=page_args())
    entries = access_log.entries_for(subject_id=subject.id, events=page.items, actor=g.actor)
    questions.mark_seen([q for entry in entries for q in entry.questions])
    return jsonify(page_of(AccessLogEntrySchema)().dump(
        {"items": [entry_fields(e) for e in entries], "next": next_url(page)}))


@operation(summary="Ask why: a question about one entry to the organisation it names",
           tags=TAGS, body=AskSchema, responses={201: QuestionSchema},
           problems={403: f"Another origin, or {NOT_COVERED}.",
                     404: "No such entry in the log of the person one acts for.",
                     409: "A question about this entry is waiting for its answer.",
                     422: "The body has invalid fields, or the entry names no organisation "
                          "(errors.code: no_organisation)."})
@login_required
def ask_about_entry(event_id: int) -> tuple[Response, int]:
    subject = _subject()
    body = load_json(AskSchema())
    try:
        asked = questions.ask(subject_id=subject.id, event_id=event_id,
                              question=body["question"], actor=g.actor)
    except questions.NotFound:
        raise ApiError(404, "no such entry", title="Not Found") from None
    except questions.InvalidText as exc:
        raise ApiError(422, "the body has invalid fields",
                       errors={"question": [exc.code]}) from None
    except questions.AlreadyAsked:
        raise ApiError(409, "a question about this entry is waiting for its answer",
                       errors={"code": ["already_open"]}) from None
    except questions.NotAskable:
        raise ApiError(422, "this entry names no organisation to ask",
                       errors={"code": ["no_organisation"]}) from None
    return jsonify(QuestionSchema().dump(question_fields(asked))), 201


def entry_fields(entry: Entry) -> dict[str, Any]:
    person = entry.person
    return {
        "id": entry.id, "occurred_at": entry.occurred_at,
        "actor": {"kind": entry.who.value,
                  "name": entry.name if person is None else (person.name.strip() or None),
                  "hpr_number": entry.hpr_number, "roles": [r.value for r in entry.roles],
                  "basis": entry.basis.value if entry.basis else None,
                  "client_id": entry.client_id},
        "organisation": _organisation(entry.organisation),
        "action": entry.action, "resource_type": entry.resource_type,
        "resource_id": entry.resource_id, "purpose": entry.purpose,
        "purpose_text": log_labels.purpose_label(entry.purpose), "reason": entry.reason,
        "may_ask": entry.may_ask, "questions": [question_fields(q) for q in entry.questions],
    }


def question_fields(question: AccessQuestion) -> dict[str, Any]:
    return {"id": question.id, "entry": question.audit_event_id,
            "status": question.status.value, "organisation": _organisation(
                question.organisation), "question": question.question,
            "asked_at": question.asked_at, "answer": question.answer,
            "answered_at": question.answered_at}


def _organisation(organisation) -> dict[str, Any] | None:
    if organisation is None:
        return None
    return {"id": organisation.id, "name": organisation.name,
            "org_number": organisation.org_number}


def _subject() -> Person:
    subject = log_subject()
    if subject is None:
        raise ApiError(403, NOT_COVERED, title="Forbidden")
    return subject
