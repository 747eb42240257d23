"""Shapes of what the wound questionnaire API reads and returns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.wound.cases import Status
from services.wound.models import AnswerStatus

STATUSES = [s.value for s in Status]
#: Her answer: none yet, a draft, or final (the QuestionnaireResponse's status).
ANSWER_STATUSES = ["none", *(s.value for s in AnswerStatus)]


class HospitalSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class QuestionnaireCaseSchema(Schema):
    """One of her questionnaires: which operation it asks about, when, and her answer."""

    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES), metadata={
        "description": "open: waiting for her answer (also after answer_by); answered: "
                       "her final answer is in; closed: no longer asked"})
    opens_on = fields.Date(required=True, metadata={"description": "The day it was sent."})
    answer_by = fields.Date(required=True, metadata={
        "description": "After this day the hospital calls her; she may still answer."})
    hospital = fields.Nested(HospitalSchema, required=True)
    operated_on = fields.Date(required=True, metadata={"description": "Norwegian day"})
    questionnaire = fields.String(required=True, metadata={
        "description": "The canonical (url|version) the answer must name."})
    answer_status = fields.String(required=True, validate=validate.OneOf(ANSWER_STATUSES))
    answered_at = fields.AwareDateTime(required=True, allow_none=True)
    photos = fields.Integer(required=True, metadata={"description": "Photos sent with it."})
    receipt_id = fields.String(required=True, allow_none=True)
    receipt = fields.Url(required=True, allow_none=True, require_tld=False, metadata={
        "description": "The receipt PDF, once her answer is final."})


class MetaSchema(Schema):
    versionId = fields.String(required=True)  # FHIR's names, as they are
    lastUpdated = fields.String(required=True)


class QuestionnaireResponseSchema(Schema):
    """Her answer as stored: a FHIR R4 QuestionnaireResponse."""

    resourceType = fields.String(required=True,
                                 validate=validate.OneOf(["QuestionnaireResponse"]))
    id = fields.String(required=True)
    meta = fields.Nested(MetaSchema, required=True)
    questionnaire = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        [s.value for s in AnswerStatus]))
    authored = fields.String(required=True)
    item = fields.List(fields.Dict(keys=fields.String()), required=True)


class QuestionnaireDetailSchema(Schema):
    """Her questionnaire: the case, the Questionnaire to render, her draft or final answer."""

    case = fields.Nested(QuestionnaireCaseSchema, required=True)
    questionnaire = fields.Dict(required=True, metadata={
        "description": "The FHIR R4 Questionnaire (texts in nb, nn and en)."})
    response = fields.Nested(QuestionnaireResponseSchema, required=True, allow_none=True)
    photo_limit = fields.Integer(required=True, metadata={
        "description": "How many photos the case takes."})


class AnswerBodySchema(Schema):
    """Her answer to save: a QuestionnaireResponse whose status says a draft
    (``in-progress``) or the final answer (``completed``). What else a client may carry
    over from a QuestionnaireResponse it read (id, meta, authored) is taken and ignored."""

    resourceType = fields.String(required=True,
                                 validate=validate.OneOf(["QuestionnaireResponse"]))
    status = fields.String(required=True, validate=validate.OneOf(
        [s.value for s in AnswerStatus]))
    questionnaire = fields.String(required=True, validate=validate.Length(min=1, max=300))
    item = fields.List(fields.Dict(keys=fields.String()), load_default=list,
                       validate=validate.Length(max=50))
    id = fields.String(validate=validate.Length(max=64))
    meta = fields.Dict(keys=fields.String())
    authored = fields.String(validate=validate.Length(max=40))
    language = fields.String(validate=validate.Length(max=10))


class PhotoSchema(Schema):
    """A photo as kept (re-encoded, without metadata); its picture is for staff only."""

    id = fields.Integer(required=True)
    content_type = fields.String(required=True, validate=validate.OneOf(
        ["image/jpeg", "image/png"]))
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    size = fields.Integer(required=True)
    uploaded_at = fields.AwareDateTime(required=True)
