"""``/api/v1/questionnaires``: her wound questionnaires, one with its Questionnaire and her
answer, saving a draft or the final answer, a photo with it, and the receipt.

Whose: the person the citizen acts for, when the representation covers questionnaires
(403 for the list otherwise); any case not hers (or not one she is shown:
services/wound/cases.py) is 404. Refusals of an answer are 422 when it does not fit the
questionnaire (``errors`` names where, and ``code``) and 409 when the case takes no answer
(not open, or answered already with another answer); the same final answer again is 200
with the answer stored, so a retry is safe without an Idempotency-Key.

A photo is the body itself (``image/jpeg`` or ``image/png``; docs/api.md: a type that a
page elsewhere cannot send without a preflight), checked by its content.
"""

from __future__ import annotations

from flask import Response, current_app, g, jsonify, request, url_for

from citizen.api.operations import File, operation
from citizen.api.paging import keyset_page, next_url, page_args
from citizen.api.schemas import PageQuerySchema, page_of
from citizen.auth.current import login_required
from citizen.errors import ApiError
from citizen.i18n import current_language
from citizen.payloads import load_json
from citizen.wound.api_schemas import (
    AnswerBodySchema,
    PhotoSchema,
    QuestionnaireCaseSchema,
    QuestionnaireDetailSchema,
    QuestionnaireResponseSchema,
)
from citizen.wound.receipt import download
from citizen.wound.receipt_pdf import filename_of, receipt_pdf
from citizen.wound.subject import questionnaires_subject
from services.people.models import Person
from services.wound import answers, cases, photos
from services.wound.answers import as_resource, canonical, questionnaire_of
from services.wound.models import AnswerChannel, AnswerStatus, FollowUp

TAGS = ("wound",)
NOT_COVERED = "the representation does not cover questionnaires"
NOT_FOUND = {404: "No such questionnaire of the person one acts for."}
#: Each refusal of a photo: its status and what it means.
PHOTO_REFUSALS: dict[type[photos.PhotoRefused], tuple[int, str]] = {
    photos.NotAnImage: (415, "not a JPEG or PNG photo"),
    photos.TooLarge: (413, "the photo is too large"),
    photos.TooManyPixels: (422, "the photo has too many pixels"),
    photos.TooManyPhotos: (409, "the questionnaire has as many photos as it takes"),
    photos.NotTaking: (409, "the questionnaire takes no photo now"),
}


@operation(summary="Her questionnaires: open and answered, newest first", tags=TAGS,
           query=PageQuerySchema, responses={200: page_of(QuestionnaireCaseSchema)},
           problems={403: NOT_COVERED})
@login_required
def list_questionnaires() -> Response:
    subject = _subject()
    page = keyset_page(cases.cases_statement(person_id=subject.id),
                       keys=(FollowUp.due_on, FollowUp.id), args=page_args())
    found = cases.cases_for(person_id=subject.id, cases=page.items, actor=g.actor)
    return jsonify(page_of(QuestionnaireCaseSchema)().dump(
        {"items": [_case_fields(c) for c in found], "next": next_url(page)}))


@operation(summary="One of her questionnaires, the Questionnaire and her answer so far",
           tags=TAGS, responses={200: QuestionnaireDetailSchema}, problems=NOT_FOUND)
@login_required
def get_questionnaire(case_id: int) -> Response:
    subject = _subject_or_404()
    found = _found(cases.case_of, case_id=case_id, person_id=subject.id, actor=g.actor)
    return jsonify(QuestionnaireDetailSchema().dump({
        "case": _case_fields(found), "questionnaire": questionnaire_of(found.case),
        "response": as_resource(found.case, found.answer) if found.answer else None,
        "photo_limit": photos.photo_limits(current_app.config).per_case}))


@operation(summary="Save her answer: a draft, or the final answer", tags=TAGS,
           description="status in-progress saves a draft (replacing the one before; "
                       "required items may be missing); completed is the final answer, "
                       "checked in full. The first final answer is 201; the same final "
                       "answer again 200 with the one stored; anything after it 409.",
           body=AnswerBodySchema,
           responses={200: QuestionnaireResponseSchema, 201: QuestionnaireResponseSchema},
           problems={**NOT_FOUND,
                     403: "Another origin, or a representation without questionnaires.",
                     409: "The questionnaire takes no answer now, or another final answer "
                          "is in (errors.code: not-open, already-answered).",
                     422: "The body has invalid fields, or the answer does not fit the "
                          "questionnaire (errors: where; errors.code: invalid-answer, "
                          "wrong-questionnaire)."})
@login_required
def post_questionnaire_answer(case_id: int) -> tuple[Response, int]:
    subject = _subject_or_404()
    body = load_json(AnswerBodySchema())
    case = _found(cases.own_case, case_id=case_id, person_id=subject.id)
    final = body["status"] == AnswerStatus.FINAL.value
    try:
        saved = answers.save(case_id=case.id, response=response_of(body), final=final,
                             channel=AnswerChannel.WEB, actor=g.actor)
    except LookupError:
        raise ApiError(404, "no such questionnaire", title="Not Found") from None
    except answers.AnswerRefused as refused:
        raise answer_refused(refused) from None
    status = 201 if final and not saved.repeated else 200
    answer = jsonify(QuestionnaireResponseSchema().dump(as_resource(case, saved.answer)))
    return answer, status


@operation(summary="Send a photo of the wound with her answer", tags=TAGS,
           description="The body is the photo itself, JPEG or PNG (its content decides, "
                       "not the type sent). It is kept without its metadata (position, "
                       "camera, time) and shown only to the hospital's infection-control "
                       "staff; never back on her pages.",
           body=File(photos.JPEG, also=(photos.PNG,)), responses={201: PhotoSchema},
           problems={**NOT_FOUND,
                     403: "Another origin, or a representation without questionnaires.",
                     409: "The questionnaire takes no photo now, or has as many as it "
                          "takes (errors.code: not-open, too-many-photos).",
                     413: "The photo is larger than the limit.",
                     415: "The body is not a JPEG or PNG photo.",
                     422: "The photo has more pixels than the limit (errors.code: "
                          "too-many-pixels)."})
@login_required
def post_questionnaire_photo(case_id: int) -> tuple[Response, int]:
    subject = _subject_or_404()
    case = _found(cases.own_case, case_id=case_id, person_id=subject.id)
    limits = photos.photo_limits(current_app.config)
    if request.content_length is not None and request.content_length > limits.max_bytes:
        raise ApiError(413, "the photo is too large", errors={"code": ["too-large"]})
    try:
        photo = photos.add_photo(case_id=case.id, data=request.get_data(cache=False),
                                 actor=g.actor, limits=limits)
    except photos.PhotoNotFound:
        raise ApiError(404, "no such questionnaire", title="Not Found") from None
    except photos.PhotoRefused as refused:
        status, detail = PHOTO_REFUSALS[type(refused)]
        raise ApiError(status, detail, errors={"code": [refused.code]}) from None
    return jsonify(PhotoSchema().dump(photo)), 201


@operation(summary="The receipt of her answers as a PDF", tags=TAGS,
           responses={200: File("application/pdf")},
           problems={404: "No such questionnaire of the person one acts for, or no final "
                          "answer yet."})
@login_required
def questionnaire_receipt(case_id: int) -> Response:
    subject = _subject_or_404()
    found = _found(cases.receipt_of, case_id=case_id, person_id=subject.id, actor=g.actor)
    return download(receipt_pdf(found, current_language()), filename_of(found))


def response_of(body: dict) -> dict:
    """The QuestionnaireResponse to store from an ``AnswerBodySchema`` body (what a client
    carried over from one it read is left out)."""
    return {"resourceType": body["resourceType"], "questionnaire": body["questionnaire"],
            "status": body["status"], "item": body["item"]}


def answer_refused(refused: answers.AnswerRefused) -> ApiError:
    """409 when the case takes no answer (or another final one is in), else 422 with each
    problem at its place; ``errors.code`` says which."""
    if isinstance(refused, answers.NotOpen | answers.AlreadyFinal):
        return ApiError(409, str(refused), errors={"code": [refused.code]})
    errors: dict[str, list[str]] = {"code": [refused.code]}
    for problem in refused.problems:
        errors.setdefault(problem.expression, []).append(problem.message)
    return ApiError(422, str(refused), errors=errors)


def _subject() -> Person:
    subject = questionnaires_subject()
    if subject is None:
        raise ApiError(403, NOT_COVERED, title="Forbidden")
    return subject


def _subject_or_404() -> Person:
    subject = questionnaires_subject()
    if subject is None:
        raise ApiError(404, "no such questionnaire", title="Not Found")
    return subject


def _found(service, **arguments):
    try:
        return service(**arguments)
    except cases.CaseNotFound:
        raise ApiError(404, "no such questionnaire", title="Not Found") from None


def _case_fields(found: cases.Case) -> dict:
    answer = found.answer
    final = found.status is cases.Status.ANSWERED
    return {
        "id": found.case.id, "status": found.status.value, "opens_on": found.case.due_on,
        "answer_by": found.answer_by,
        "hospital": {"id": found.hospital.id, "name": found.hospital.name},
        "operated_on": found.operated_on, "questionnaire": canonical(found.case),
        "answer_status": answer.status.value if answer else "none",
        "answered_at": answer.submitted_at if final else None,
        "photos": found.photos, "receipt_id": found.receipt_id,
        "receipt": (current_app.config["PUBLIC_BASE_URL"]
                    + url_for("api.questionnaire_receipt", case_id=found.case.id))
        if final else None,
    }
