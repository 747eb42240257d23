"""``/api/v1/appointments``, ``/api/v1/slots`` and ``/api/v1/pregnancy/consent``: her scans,
what she may do with them, the calendar file and the letter, the early scan's consent.

Whose scans: the person the citizen acts for, when the representation covers appointments
(403 otherwise); another woman's appointment is 404. Refusals of the self-service rules
are 409 (the state of things: taken, too late, consent missing) or 422 (the request does
not fit this appointment: another service, outside the window), with ``code`` in
``errors``.
"""

from __future__ import annotations

from flask import Response, g, jsonify, request
from marshmallow import ValidationError

from citizen.api.operations import File, operation
from citizen.api.paging import keyset_page, next_url, page_args
from citizen.api.schemas import PageQuerySchema, page_of
from citizen.auth.current import login_required
from citizen.errors import ApiError
from citizen.i18n import current_language
from citizen.payloads import load_json
from citizen.ultrasound import letter
from citizen.ultrasound.access import is_herself, scans_subject
from citizen.ultrasound.present import consent_fields, scan_fields, slot_fields
from citizen.ultrasound.schemas import (
    REVOKED,
    AppointmentSchema,
    CancelSchema,
    ChangeRequestAnswerSchema,
    ChangeRequestSchema,
    ConsentDecisionSchema,
    ConsentSchema,
    RebookSchema,
    SlotQuerySchema,
    SlotSchema,
)
from services.people.models import Person
from services.ultrasound import calendar, consent, selfservice
from services.ultrasound.config import reminder_settings
from services.ultrasound.models import Appointment, ConsentDecision

TAGS = ("ultrasound",)
NOT_COVERED = "the representation does not cover appointments"
NOT_FOUND = {404: "No such appointment of the person one acts for."}
#: Each refusal: its status, the field ``errors`` names its code under, what it means.
REFUSALS: dict[type[Exception], tuple[int, str, str]] = {
    selfservice.AlreadyCancelled: (409, "code", "the appointment is already cancelled"),
    selfservice.NotChangeable: (409, "code", "the appointment is over; it cannot be changed"),
    selfservice.TooLate: (409, "code", "too close to the start to change it here; call the "
                                       "clinic"),
    selfservice.ConsentMissing: (409, "code", "the early scan needs her consent first"),
    selfservice.DueDateUnknown: (409, "code", "no due date yet, so no window to book into; "
                                              "send a change request"),
    selfservice.SlotTaken: (409, "slot", "the slot has just been taken; choose another"),
    selfservice.ChangeAlreadyRequested: (409, "code", "a change request is already open"),
    selfservice.SlotNotFound: (422, "slot", "no such slot"),
    selfservice.SlotNotSuitable: (422, "slot", "the slot is not one this appointment can "
                                               "move to"),
    selfservice.OutsideWindow: (422, "slot", "the slot is outside the scan's window"),
    consent.OutdatedInformation: (422, "information_version",
                                  "not the current information text; read it again"),
    consent.NothingToRevoke: (409, "code", "there is no decision to revoke"),
}
CHANGE_PROBLEMS = {**NOT_FOUND, 403: "Another origin, or a representation without "
                                     "appointments.",
                   409: "Already cancelled, over, too close to the start, consent missing, "
                        "no due date, slot taken, or a change request already open."}


@operation(summary="Her scans, soonest first", tags=TAGS, query=PageQuerySchema,
           responses={200: page_of(AppointmentSchema)},
           problems={403: NOT_COVERED})
@login_required
def list_appointments() -> Response:
    subject = _subject()
    page = keyset_page(selfservice.appointments_statement(person_id=subject.id),
                       keys=(Appointment.start, Appointment.id), args=page_args(),
                       descending=False)
    scans = selfservice.scans_for(person_id=subject.id, appointments=page.items,
                                  actor=g.actor)
    return jsonify(page_of(AppointmentSchema)().dump(
        {"items": [scan_fields(scan) for scan in scans], "next": next_url(page)}))


@operation(summary="One of her scans", tags=TAGS, responses={200: AppointmentSchema},
           response_headers={"ETag": "The appointment's version."},
           problems={403: NOT_COVERED, **NOT_FOUND})
@login_required
def get_appointment(appointment_id: int) -> Response:
    return _answer(_scan(appointment_id))


@operation(summary="Cancel a scan, with a reason", tags=TAGS, body=CancelSchema,
           responses={200: AppointmentSchema}, problems=CHANGE_PROBLEMS)
@login_required
def cancel_appointment(appointment_id: int) -> Response:
    subject, body = _subject(), load_json(CancelSchema())
    _refused_as_problems(selfservice.cancel, appointment_id=appointment_id,
                         person_id=subject.id, reason=body["reason"], actor=g.actor)
    return _answer(_scan(appointment_id))


@operation(summary="Move a scan into a free slot inside its window", tags=TAGS,
           body=RebookSchema, responses={200: AppointmentSchema},
           problems={**CHANGE_PROBLEMS,
                     422: "No such slot, a slot of another service or hospital, or outside "
                          "the window (see errors)."})
@login_required
def rebook_appointment(appointment_id: int) -> Response:
    subject, body = _subject(), load_json(RebookSchema())
    _refused_as_problems(selfservice.rebook, appointment_id=appointment_id,
                         person_id=subject.id, slot_id=body["slot"], actor=g.actor)
    return _answer(_scan(appointment_id))


@operation(summary="Ask the clinic for another time", tags=TAGS, body=ChangeRequestSchema,
           responses={201: ChangeRequestAnswerSchema}, problems=CHANGE_PROBLEMS)
@login_required
def request_change(appointment_id: int) -> tuple[Response, int]:
    subject, body = _subject(), load_json(ChangeRequestSchema())
    created = _refused_as_problems(
        selfservice.request_change, appointment_id=appointment_id, person_id=subject.id,
        reason=body["reason"], reason_text=body["reason_text"],
        wants_call=body["wants_call"], actor=g.actor)
    return jsonify(ChangeRequestAnswerSchema().dump(created)), 201


@operation(summary="The scan as a calendar file (time and place only)", tags=TAGS,
           responses={200: File(calendar.CONTENT_TYPE.split(";")[0])},
           problems={403: NOT_COVERED, **NOT_FOUND})
@login_required
def appointment_calendar(appointment_id: int) -> Response:
    scan = _scan(appointment_id)
    body = calendar.appointment_calendar(scan.appointment, language=current_language(),
                                         host=reminder_settings().calendar_host)
    return _download(body, calendar.CONTENT_TYPE, f"time-{appointment_id}.ics")


@operation(summary="The appointment letter as a PDF", tags=TAGS,
           responses={200: File("application/pdf")},
           problems={403: NOT_COVERED, **NOT_FOUND})
@login_required
def appointment_letter(appointment_id: int) -> Response:
    scan = _scan(appointment_id)
    return _download(letter.render(scan), "application/pdf", f"innkalling-{appointment_id}.pdf")


@operation(summary="The free slots a scan may move to", tags=TAGS, query=SlotQuerySchema,
           responses={200: page_of(SlotSchema)},
           problems={403: NOT_COVERED, **NOT_FOUND,
                     409: "Over, too close to the start, consent missing, or no due date."})
@login_required
def list_slots() -> Response:
    subject = _subject()
    query = _query(SlotQuerySchema())
    slots = _refused_as_problems(selfservice.free_slots, appointment_id=query["appointment"],
                                 person_id=subject.id, actor=g.actor)
    return jsonify(page_of(SlotSchema)().dump(
        {"items": [slot_fields(slot) for slot in slots], "next": None}))


@operation(summary="Her decision on the early scan", tags=TAGS,
           responses={200: ConsentSchema}, problems={403: NOT_COVERED})
@login_required
def get_consent() -> Response:
    found = consent.consent_of(person_id=_subject().id, actor=g.actor)
    return jsonify(ConsentSchema().dump(
        consent_fields(found, current_version=consent.INFORMATION_VERSION)))


@operation(summary="Consent to or refuse the early scan, or revoke the decision", tags=TAGS,
           description="Hers alone: a representative may read the decision, not make it.",
           body=ConsentDecisionSchema, responses={200: ConsentSchema},
           problems={403: "Another origin, or not the woman herself.",
                     409: "Nothing to revoke.",
                     422: "Not the current information text (see errors)."})
@login_required
def post_consent() -> Response:
    subject = _subject()
    body = load_json(ConsentDecisionSchema())
    if not is_herself():
        raise ApiError(403, "only she can decide on the early scan", title="Forbidden")
    if body["decision"] == REVOKED:
        _refused_as_problems(consent.revoke, person_id=subject.id, actor=g.actor)
    else:
        _refused_as_problems(consent.decide, person_id=subject.id,
                             decision=ConsentDecision(body["decision"]),
                             information_version=body["information_version"], actor=g.actor)
    return get_consent()


def _subject() -> Person:
    subject = scans_subject()
    if subject is None:
        raise ApiError(403, NOT_COVERED, title="Forbidden")
    return subject


def _scan(appointment_id: int) -> selfservice.Scan:
    return _refused_as_problems(selfservice.scan_of, appointment_id=appointment_id,
                                person_id=_subject().id, actor=g.actor)


def _refused_as_problems(service, **arguments):
    try:
        return service(**arguments)
    except selfservice.AppointmentNotFound:
        raise ApiError(404, "no such appointment", title="Not Found") from None
    except selfservice.InvalidInput as exc:
        raise ApiError(422, "the body has invalid fields",
                       errors={str(exc): ["is not valid"]}) from None
    except (selfservice.SelfServiceError, consent.ConsentError) as exc:
        status, field, detail = REFUSALS[type(exc)]
        code = getattr(exc, "code", None) or _snake(type(exc).__name__)
        raise ApiError(status, detail, errors={field: [code]}) from None


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _query(schema):
    try:
        return schema.load(request.args.to_dict())
    except ValidationError as exc:
        raise ApiError(422, "the query has invalid parameters",
                       errors=exc.normalized_messages()) from None


def _answer(scan: selfservice.Scan) -> Response:
    response = jsonify(AppointmentSchema().dump(scan_fields(scan)))
    response.set_etag(str(scan.appointment.version_id))
    return response


def _download(body: bytes, content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Health data: not kept by shared caches or the browser's disk cache.
    response.headers["Cache-Control"] = "no-store"
    return response
