"""``/api/v1/staff/ssi/worklist`` and ``/api/v1/staff/ssi/cases/{id}``: the worklist of the
staff member's hospital, one case with the classification helper's proposal, the moves,
notes and calls staff make on it, and its photos.

A change names the case version it read, as ``version`` in the body or as ``If-Match``
(the case's ETag): an older one is 409 from the body and 412 from If-Match. A move staff
may not make is 409 (``errors.code``: state), bad input 422 at its field. Another
hospital's case is 404. Reading the worklist is audited per patient shown, a case and each
photo as they are read (services/wound/worklist.py, review.py).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from marshmallow import ValidationError

from citizen.api.dump import fast_dump
from citizen.api.operations import File, operation
from citizen.api.paging import Page, next_url
from citizen.errors import ApiError
from citizen.i18n import current_language
from citizen.wound.api import answer_refused, response_of
from citizen.wound_staff import worklist_query
from citizen.wound_staff.access import ID, infection_control
from citizen.wound_staff.api_classification import proposal_fields
from citizen.wound_staff.api_shared import (
    IF_MATCH,
    NOT_FOUND,
    TAGS,
    change_request,
    not_found,
    refusals,
)
from citizen.wound_staff.case_schemas import (
    GROUPS,
    OPEN_STATES,
    CallBodySchema,
    CaseDetailSchema,
    ChangedSchema,
    NoteBodySchema,
    TransitionBodySchema,
    WorklistQuerySchema,
    WorklistSchema,
)
from services.wound import answers, catalogue, classification, photos, review, staff, states
from services.wound.models import CaseNote, CaseState, FollowUp, Operation
from services.wound.worklist import Entry, worklist

ROLE = {403: "Not infection-control staff."}
CHANGE_PROBLEMS = {
    **NOT_FOUND,
    403: "Another origin, or not infection-control staff.",
    409: "The case changed since that version, or it cannot be changed so in its state "
         "(errors.code: stale, state).",
    412: "The case changed since the ETag in If-Match.",
    422: "Invalid fields or no version (errors: per field).",
}


#: The API's names of the filters ``worklist_query.FilterError`` names as the page does.
FILTER_FIELDS = {"from": "operated_from", "to": "operated_to"}
FILTER_MESSAGES = {
    "unknown_category": "not a category of the procedure catalogue",
    "reversed": "must not be before operated_from",
    "unknown_unit": "not a unit of the staff member's hospital",
    "unknown_state": "not a case state",
}


def add_routes(blueprint: Blueprint) -> None:
    case = f"/staff/ssi/cases/<{ID}:case_id>"
    for path, endpoint, view, methods in (
            ("/staff/ssi/worklist", "wound_staff_worklist", get_worklist, ["GET"]),
            (case, "wound_staff_case", get_case, ["GET"]),
            (f"{case}/transitions", "wound_staff_transition", post_transition, ["POST"]),
            (f"{case}/notes", "wound_staff_note", post_note, ["POST"]),
            (f"{case}/calls", "wound_staff_call", post_call, ["POST"]),
            (f"{case}/photos/<{ID}:photo_id>", "wound_staff_photo", get_photo, ["GET"])):
        blueprint.add_url_rule(path, endpoint=endpoint, view_func=view, methods=methods)


@operation(summary="The worklist: the hospital's cases in the order they are worked",
           tags=TAGS, query=WorklistQuerySchema, responses={200: WorklistSchema},
           description="Flagged answers first (highest score, then the oldest answer), then "
                       "those to call (longest without an answer), then the rest (newest "
                       "operation first), and last those still waiting for her answer. "
                       "Each patient on the page is audited as read.",
           problems={**ROLE, 422: "Invalid query parameters (errors: per field), among "
                                  "them a unit that is not the hospital's and operated_to "
                                  "before operated_from: the worklist page's rules."})
@infection_control
def get_worklist() -> Response:
    try:
        query = WorklistQuerySchema().load(request.args.to_dict())
        filters = worklist_query.filters_of(
            category=query["category"], first=query["operated_from"],
            last=query["operated_to"], unit=query["unit"], state=query["state"],
            units=lambda: worklist_query.hospital_units(g.actor))
    except ValidationError as exc:
        raise ApiError(422, "the query has invalid parameters",
                       errors=exc.normalized_messages()) from None
    except worklist_query.FilterError as exc:
        raise ApiError(422, "the query has invalid parameters", errors={
            FILTER_FIELDS.get(name, name): [FILTER_MESSAGES[code]]
            for name, code in exc.errors.items()}) from None
    after = worklist_query.after_of(query["cursor"])
    language = current_language()
    found = worklist(actor=g.actor, filters=filters, after=after, limit=query["limit"],
                     language=language)
    page = Page(found.entries, worklist_query.cursor_after(found))
    case_url = _case_urls()
    return jsonify(dump_worklist({
        "items": [_entry_fields(entry, language, case_url) for entry in found.entries],
        "next": next_url(page), "flagged": found.flagged,
        "counts": {state: found.counts.get(CaseState(state), 0) for state in OPEN_STATES}}))


#: ``WorklistSchema().dump`` without marshmallow's per-field work (docs/api.md).
dump_worklist = fast_dump(WorklistSchema)


@operation(summary="One case: the operation, her answer, flags, photos, notes and calls, "
                   "the moves allowed and the classification helper's proposal",
           tags=TAGS, responses={200: CaseDetailSchema},
           response_headers={"ETag": "The case's version; send it back to change the case."},
           problems={**NOT_FOUND, **ROLE})
@infection_control
def get_case(case_id: int) -> Response:
    language = current_language()
    try:
        detail = review.case_detail(case_id=case_id, actor=g.actor, language=language)
    except staff.NotFound:
        raise not_found() from None
    case, operation_ = detail.case, detail.operation
    answer = detail.answer
    body = {
        "case": {"id": case.id, "state": case.state.value, "due_on": case.due_on,
                 "invited_at": case.invited_at, "reminders_sent": case.reminders_sent,
                 "answered_at": case.answered_at, "answered_via": case.answered_via,
                 "muted_reason": case.muted_reason, "flagged": case.flagged,
                 "score": case.triage_score},
        "patient": {"name": detail.person.name},
        "operation": _operation_fields(operation_, language),
        "answer": None if answer is None else {
            "status": answer.status.value, "channel": answer.channel.value,
            "answered_by": answer.answered_by, "saved_at": answer.saved_at,
            "submitted_at": answer.submitted_at, "sections": detail.sections},
        "red_flags": detail.red_flags,
        "photos": [{"id": photo_id, "url": _absolute("api.wound_staff_photo",
                                                     case_id=case.id, photo_id=photo_id)}
                   for photo_id in detail.photo_ids],
        "events": detail.events, "notes": [_note_fields(n, detail.writers) for n in detail.notes],
        "allowed_moves": [to.value for to in detail.allowed],
        "proposal": proposal_fields(classification.proposal_for(case)),
        "version": detail.version}
    return _with_etag(jsonify(CaseDetailSchema().dump(body)), case)


@operation(summary="Move the case by hand", tags=TAGS, body=TransitionBodySchema,
           description="answered → triaged → under_review ⇄ awaiting_information; classified "
                       "→ closed or under_review; non_responder → lost_to_follow_up. "
                       "→ classified is the classification's (PUT .../classification). A "
                       "note goes with the move as topic state:<to>.",
           responses={200: ChangedSchema}, request_headers=IF_MATCH,
           response_headers={"ETag": "The case's new version."}, problems=CHANGE_PROBLEMS)
@infection_control
def post_transition(case_id: int) -> Response:
    body, version, from_header = change_request(case_id, TransitionBodySchema())
    case = _changed(review.transition, case_id=case_id, to=body["to"], version=version,
                    note=body["note"], from_header=from_header, fields={"text": "note"})
    return _changed_answer(case, None)


@operation(summary="Write a structured note on the case", tags=TAGS, body=NoteBodySchema,
           responses={201: ChangedSchema}, request_headers=IF_MATCH,
           response_headers={"ETag": "The case's new version."}, problems=CHANGE_PROBLEMS)
@infection_control
def post_note(case_id: int) -> tuple[Response, int]:
    body, version, from_header = change_request(case_id, NoteBodySchema())
    note = _changed(review.add_note, case_id=case_id, topic=body["topic"], text=body["text"],
                    version=version, from_header=from_header)
    return _changed_answer(_case_of(note), note), 201


@operation(summary="Record a phone call and its outcome", tags=TAGS, body=CallBodySchema,
           description="answered_by_phone needs her answer (answer, a QuestionnaireResponse) "
                       "and stores it as her final answer, filled in by the staff member; "
                       "the other outcomes take none. A wrong number is only noted.",
           responses={201: ChangedSchema}, request_headers=IF_MATCH,
           response_headers={"ETag": "The case's new version."},
           problems={**CHANGE_PROBLEMS,
                     409: "The case changed since that version, or takes no answer now "
                          "(errors.code: stale, not-open, already-answered).",
                     422: "Invalid fields, no version, or an answer that does not fit the "
                          "questionnaire (errors: where; errors.code: invalid-answer, "
                          "wrong-questionnaire)."})
@infection_control
def post_call(case_id: int) -> tuple[Response, int]:
    body, version, from_header = change_request(case_id, CallBodySchema())
    answer = body["answer"]
    note = _changed(review.record_call, case_id=case_id, outcome=body["outcome"],
                    text=body["text"], version=version,
                    response=response_of(answer) if answer else None,
                    from_header=from_header, fields={"response": "answer"})
    return _changed_answer(_case_of(note), note), 201


@operation(summary="A photo of the case, as kept (no metadata)", tags=TAGS,
           responses={200: File(photos.JPEG, also=(photos.PNG,))},
           problems={404: "No such photo of a case of the staff member's hospital.", **ROLE})
@infection_control
def get_photo(case_id: int, photo_id: int) -> Response:
    try:
        photo = review.photo(case_id=case_id, photo_id=photo_id, actor=g.actor)
    except staff.NotFound:
        raise ApiError(404, "no such photo", title="Not Found") from None
    response = Response(photo.data, content_type=photo.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A wound photo is health data: not kept by any cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _changed(service, *, from_header: bool, fields: dict[str, str] | None = None, **arguments):
    """Call the review service that changes the case, its refusals as problems (an
    ``Invalid`` at the body's name for its field)."""
    try:
        with refusals(from_header=from_header, wrong_state=(states.NotAllowed,)):
            return service(actor=g.actor, **arguments)
    except review.Invalid as invalid:
        field = (fields or {}).get(invalid.field, invalid.field)
        raise ApiError(422, "the body has invalid fields",
                       errors={field: [invalid.code]}) from None
    except answers.AnswerRefused as refused:
        raise answer_refused(refused) from None


def _case_of(note: CaseNote) -> FollowUp:
    return staff.case_for(note.follow_up_id, actor=g.actor)


def _changed_answer(case: FollowUp, note: CaseNote | None) -> Response:
    return _with_etag(jsonify(ChangedSchema().dump({
        "case_id": case.id, "state": case.state.value, "version": case.version_id,
        "allowed_moves": [to.value for to in review.allowed_moves(case.state)],
        "note": _note_fields(note, review.writers([note])) if note else None})), case)


def _with_etag(response: Response, case: FollowUp) -> Response:
    response.set_etag(str(case.version_id))
    return response


def _entry_fields(entry: Entry, language: str, case_url: Callable[[int], str]) -> dict:
    case = entry.case
    return {"id": case.id, "url": case_url(case.id),
            "state": case.state.value, "group": GROUPS[entry.rank],
            "patient": {"name": entry.person.name},
            "category": {"code": entry.operation.category,
                         "name": entry.category_name(language)},
            "operated_on": entry.operated_on, "day": entry.day, "red_flags": entry.red_flags,
            "score": entry.score, "days_without_answer": entry.days_without_answer,
            "version": case.version_id}


def _operation_fields(operation_: Operation, language: str) -> dict:
    unit = operation_.unit
    return {
        "category": {"code": operation_.category,
                     "name": catalogue.load().name_of(operation_.category, language)},
        "operated_on": operation_.operated_on,
        "unit": {"id": unit.id, "name": unit.name} if unit else None,
        **{name: getattr(operation_, name) for name in (
            "procedure_code", "procedure_display", "performed_at", "duration_minutes",
            "asa_class", "wound_class", "emergency", "antibiotic_prophylaxis", "endoscopic",
            "implant", "discharged_on", "nnis_index")}}


def _note_fields(note: CaseNote, writers: dict[str, str]) -> dict:
    """A note as the API shows it; ``writers`` is ``review.writers`` of its notes."""
    return {"id": note.id, "kind": note.kind.value, "topic": note.topic,
            "outcome": note.outcome.value if note.outcome else None, "text": note.text,
            "written_by": note.written_by, "written_by_name": writers.get(note.written_by),
            "written_at": note.written_at}


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)


def _case_urls() -> Callable[[int], str]:
    """A case's API URL by its id, for a list of them: ``url_for`` once, not per entry (a
    twentieth of the worklist's time)."""
    prefix = _absolute("api.wound_staff_case", case_id=1).removesuffix("/1")
    return lambda case_id: f"{prefix}/{case_id}"
