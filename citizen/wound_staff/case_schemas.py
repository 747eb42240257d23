"""The worklist's and a case's JSON: the worklist's query, its page, one case, and what a
move, a note and a call read and answer."""

from __future__ import annotations

from datetime import date

from marshmallow import RAISE, Schema, fields, validate

from citizen.api.schemas import JsonInteger, PageQuerySchema, page_of
from citizen.wound.api_schemas import AnswerBodySchema
from citizen.wound_staff.classification_schemas import ProposalSchema
from services.wound import catalogue, review, worklist
from services.wound.models import CallOutcome, CaseState, NoteKind, ReportedEventKind

STATES = [state.value for state in CaseState]
#: The worklist's groups, in its order (``worklist.FLAGGED`` ... ``WAITING_RANK``).
GROUPS = ("flagged", "to_call", "rest", "waiting")
MAX_ID = 2**31 - 1
OPEN_STATES = [state.value for state in CaseState if state in worklist.OPEN]


class WorklistQuerySchema(PageQuerySchema):
    """``GET /api/v1/staff/ssi/worklist``: paging and the filters, every one optional. The
    schema reads their types; what they may be is the page's rule too
    (``worklist_query.filters_of``), so the enums here are documentation."""

    class Meta:
        unknown = RAISE

    limit = fields.Integer(load_default=50,
                           validate=validate.Range(min=1, max=worklist.MAX_LIMIT))
    category = fields.String(load_default=None, metadata={
        "description": "A catalogue category (CSEC, HPRO ...).",
        "enum": [category.key for category in catalogue.load().categories]})
    operated_from = fields.Date(load_default=None, metadata={
        "description": "Operated on or after this Norwegian day (YYYY-MM-DD)."})
    operated_to = fields.Date(load_default=None, metadata={
        "description": "Operated on or before this Norwegian day; not before "
                       "operated_from."})
    unit = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                          metadata={"description": "The organisation id of a unit of the "
                                                   "staff member's hospital."})
    state = fields.String(load_default=None, metadata={
        "description": "Cases in this state only (any state; without it, the open ones).",
        "enum": STATES})


class PatientSchema(Schema):
    name = fields.String(required=True)


class CategorySchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "In the request's language."})


class WorklistEntrySchema(Schema):
    """A case on the worklist and why it is where it is."""

    id = fields.Integer(required=True)
    url = fields.Url(required=True, require_tld=False, metadata={"description": "The case."})
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    group = fields.String(required=True, validate=validate.OneOf(GROUPS), metadata={
        "description": "flagged: a flagged answer not yet classified; to_call: no answer, "
                       "call her; rest: the other cases in work; waiting: her answer is "
                       "still to come."})
    patient = fields.Nested(PatientSchema, required=True)
    category = fields.Nested(CategorySchema, required=True)
    operated_on = fields.Date(required=True, metadata={"description": "Norwegian day."})
    day = fields.Integer(required=True, metadata={"description": "Days since the operation."})
    red_flags = fields.List(fields.String(), required=True, metadata={
        "description": "The questionnaire's texts of the answers that raised a flag."})
    score = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The triage score of her answer."})
    days_without_answer = fields.Integer(required=True, allow_none=True, metadata={
        "description": "Days since she was invited, while no answer has come."})
    version = fields.Integer(required=True, metadata={"description": "The case's version."})


StateCountsSchema = Schema.from_dict(
    {state: fields.Integer(required=True) for state in OPEN_STATES}, name="StateCountsSchema")


class WorklistSchema(page_of(WorklistEntrySchema)):
    """A page of the worklist, and the counts under the same filters (the state aside)."""

    counts = fields.Nested(StateCountsSchema, required=True, metadata={
        "description": "Cases per open state."})
    flagged = fields.Integer(required=True, metadata={
        "description": "Flagged answers not yet classified."})


class AnswerValue(fields.Field):
    """What she chose: an option's text, yes/no, a number, or a day (ISO)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value.isoformat() if isinstance(value, date) else value


class AnswerRowSchema(Schema):
    question = fields.String(required=True)
    answers = fields.List(AnswerValue(metadata={"type": ["string", "boolean", "number"]}),
                          required=True)


class AnswerSectionSchema(Schema):
    title = fields.String(required=True, allow_none=True)
    rows = fields.List(fields.Nested(AnswerRowSchema), required=True)


class AnswerSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["in-progress",
                                                                   "completed"]))
    channel = fields.String(required=True)
    answered_by = fields.String(required=True, metadata={
        "description": "person:<id>, staff:<id> (on the phone) or system:<client>."})
    saved_at = fields.AwareDateTime(required=True)
    submitted_at = fields.AwareDateTime(required=True, allow_none=True)
    sections = fields.List(fields.Nested(AnswerSectionSchema), required=True, metadata={
        "description": "Question by question in the questionnaire's words."})


class CaseSchema(Schema):
    id = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    due_on = fields.Date(required=True, metadata={"description": "The day she is invited."})
    invited_at = fields.AwareDateTime(required=True, allow_none=True)
    reminders_sent = fields.Integer(required=True)
    answered_at = fields.AwareDateTime(required=True, allow_none=True)
    answered_via = fields.String(required=True, allow_none=True)
    muted_reason = fields.String(required=True, allow_none=True)
    flagged = fields.Boolean(required=True)
    score = fields.Integer(required=True, allow_none=True)


class UnitSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class OperationSchema(Schema):
    category = fields.Nested(CategorySchema, required=True)
    procedure_code = fields.String(required=True, allow_none=True)
    procedure_display = fields.String(required=True, allow_none=True)
    performed_at = fields.AwareDateTime(required=True)
    operated_on = fields.Date(required=True, metadata={"description": "Norwegian day."})
    duration_minutes = fields.Integer(required=True)
    asa_class = fields.Integer(required=True)
    wound_class = fields.Integer(required=True)
    emergency = fields.Boolean(required=True)
    antibiotic_prophylaxis = fields.Boolean(required=True)
    endoscopic = fields.Boolean(required=True)
    implant = fields.Boolean(required=True)
    discharged_on = fields.Date(required=True, allow_none=True)
    nnis_index = fields.Integer(required=True)
    unit = fields.Nested(UnitSchema, required=True, allow_none=True)


class PhotoLinkSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.Url(required=True, require_tld=False, metadata={"description": "The image."})


class EventSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(
        [kind.value for kind in ReportedEventKind]))
    occurred_on = fields.Date(required=True)
    reported_at = fields.AwareDateTime(required=True)


class NoteSchema(Schema):
    """A note, or a call and its outcome; never edited."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in NoteKind]))
    topic = fields.String(required=True, allow_none=True, metadata={
        "description": "A note's topic, or state:<to> for a note with a move; null for a "
                       "call."})
    outcome = fields.String(required=True, allow_none=True, validate=validate.OneOf(
        [o.value for o in CallOutcome]))
    text = fields.String(required=True)
    written_by = fields.String(required=True, metadata={
        "description": "Who wrote it: staff:<id>, or system:<client> for the system's."})
    written_by_name = fields.String(required=True, allow_none=True, metadata={
        "description": "The staff member's name, as the case page shows it; null for a "
                       "note the system wrote."})
    written_at = fields.AwareDateTime(required=True)


class CaseDetailSchema(Schema):
    """One case as infection-control staff work it."""

    case = fields.Nested(CaseSchema, required=True)
    patient = fields.Nested(PatientSchema, required=True)
    operation = fields.Nested(OperationSchema, required=True)
    answer = fields.Nested(AnswerSchema, required=True, allow_none=True)
    red_flags = fields.List(fields.String(), required=True)
    photos = fields.List(fields.Nested(PhotoLinkSchema), required=True)
    events = fields.List(fields.Nested(EventSchema), required=True, metadata={
        "description": "What the hospital reported after the operation."})
    notes = fields.List(fields.Nested(NoteSchema), required=True,
                        metadata={"description": "Notes and calls, newest first."})
    allowed_moves = fields.List(fields.String(validate=validate.OneOf(STATES)), required=True,
                                metadata={"description": "The states staff may move it to."})
    proposal = fields.Nested(ProposalSchema, required=True, metadata={
        "description": "The classification helper's proposal (see .../classification)."})
    version = fields.Integer(required=True, metadata={"description": "The case's version."})


_VERSION = {"allow_none": True, "load_default": None,
            "validate": validate.Range(0, MAX_ID),
            "metadata": {"description": "The case version read (or If-Match)."}}
_TEXT = {"allow_none": True, "load_default": None,
         "metadata": {"description": f"At most {review.MAX_TEXT} characters."}}


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class TransitionBodySchema(_Strict):
    to = fields.String(required=True, validate=validate.OneOf(STATES))
    version = JsonInteger(**_VERSION)
    note = fields.String(**_TEXT)


class NoteBodySchema(_Strict):
    topic = fields.String(required=True, validate=validate.OneOf(review.TOPICS),
                          metadata={"description": "other needs a text."})
    text = fields.String(**_TEXT)
    version = JsonInteger(**_VERSION)


class CallBodySchema(_Strict):
    outcome = fields.String(required=True, validate=validate.OneOf(
        [outcome.value for outcome in CallOutcome]))
    text = fields.String(**_TEXT)
    version = JsonInteger(**_VERSION)
    answer = fields.Nested(AnswerBodySchema, allow_none=True, load_default=None, metadata={
        "description": "Her answer as given on the phone (outcome answered_by_phone only): "
                       "a QuestionnaireResponse, stored as her final answer."})


class ChangedSchema(Schema):
    """The case after a move, a note or a call."""

    case_id = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    version = fields.Integer(required=True, metadata={"description": "The case's new version."})
    allowed_moves = fields.List(fields.String(validate=validate.OneOf(STATES)), required=True)
    note = fields.Nested(NoteSchema, required=True, allow_none=True, metadata={
        "description": "The note or call written; null after a move."})
