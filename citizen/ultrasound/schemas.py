"""Shapes of what the ultrasound pages and API read and return."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from citizen.api.schemas import JsonInteger
from citizen.notifications.schemas import JsonBoolean
from services.ultrasound.consent import INFORMATION_VERSION
from services.ultrasound.gestation import WindowState, WindowWarning
from services.ultrasound.models import (
    AppointmentStatus,
    CancelledBy,
    ConsentDecision,
    Service,
)
from services.ultrasound.selfservice import (
    CITIZEN_CHANGE_REASONS,
    MAX_REASON_TEXT,
    ActionRefusal,
)

SERVICES = [s.value for s in Service]
#: Ids are PostgreSQL integers.
MAX_ID = 2**31 - 1
REASONS = [r.value for r in CITIZEN_CHANGE_REASONS]
#: What a consent POST may say: a decision, or withdrawing the one in force.
REVOKED = "revoked"
CONSENT_CHOICES = [d.value for d in ConsentDecision] + [REVOKED]


class LocationSchema(Schema):
    name = fields.String(required=True, allow_none=True)
    address_line = fields.String(required=True, allow_none=True)
    postal_code = fields.String(required=True, allow_none=True)
    city = fields.String(required=True, allow_none=True)


class WindowSchema(Schema):
    """The scan's window for her due date: gestational ages and the days they fall on."""

    first = fields.String(required=True, metadata={"description": "weeks+days, e.g. 11+0"})
    last = fields.String(required=True)
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in WindowState]))


class AppointmentSchema(Schema):
    """One of her scans, with its window (null until the hospital has sent a due date)."""

    id = fields.Integer(required=True)
    service = fields.String(required=True, validate=validate.OneOf(SERVICES))
    status = fields.String(required=True,
                           validate=validate.OneOf([s.value for s in AppointmentStatus]))
    start = fields.AwareDateTime(required=True, metadata={"description": "UTC"})
    end = fields.AwareDateTime(required=True)
    minutes = fields.Integer(required=True)
    location = fields.Nested(LocationSchema, required=True)
    interpreter_language = fields.String(required=True, allow_none=True)
    cancelled_at = fields.AwareDateTime(required=True, allow_none=True)
    cancelled_by = fields.String(required=True, allow_none=True,
                                 validate=validate.OneOf([c.value for c in CancelledBy]))
    cancel_reason = fields.String(required=True, allow_none=True)
    due_date = fields.Date(required=True, allow_none=True)
    window = fields.Nested(WindowSchema, required=True, allow_none=True)
    gestational_age_today = fields.String(required=True, allow_none=True)
    gestational_age_at_scan = fields.String(required=True, allow_none=True)
    warnings = fields.List(fields.String(validate=validate.OneOf(
        [w.value for w in WindowWarning])), required=True)
    #: Why she cannot cancel or move it herself; null: she can.
    refusal = fields.String(required=True, allow_none=True,
                            validate=validate.OneOf([r.value for r in ActionRefusal]))
    needs_consent = fields.Boolean(required=True)
    change_requested = fields.Boolean(required=True)
    version = fields.Integer(required=True)


class SlotSchema(Schema):
    """A free time she may move the scan to."""

    id = fields.Integer(required=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    minutes = fields.Integer(required=True)
    location = fields.Nested(LocationSchema, required=True)


class SlotQuerySchema(Schema):
    # Not strict: a query string is text ("12"); "1.5" and "abc" are still refused.
    appointment = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))


class CancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1,
                                                                   max=MAX_REASON_TEXT))


class RebookSchema(Schema):
    slot = JsonInteger(required=True, validate=validate.Range(min=1, max=MAX_ID))


class ChangeRequestSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(REASONS))
    reason_text = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=MAX_REASON_TEXT))
    wants_call = JsonBoolean(load_default=False)


class ChangeRequestAnswerSchema(Schema):
    id = fields.Integer(required=True)
    appointment = fields.Integer(required=True, attribute="appointment_id")
    reason = fields.String(required=True)
    reason_text = fields.String(required=True, allow_none=True)
    wants_call = fields.Boolean(required=True)
    status = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


class ConsentSchema(Schema):
    """Her decision on the early scan in force (null fields: none)."""

    decision = fields.String(required=True, allow_none=True,
                             validate=validate.OneOf([d.value for d in ConsentDecision]))
    decided_at = fields.AwareDateTime(required=True, allow_none=True)
    information_version = fields.String(required=True, allow_none=True,
                                        metadata={"description": "The text she read."})
    current_information_version = fields.String(
        required=True, metadata={"description": "Send this back with a decision."})


class ConsentDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(CONSENT_CHOICES),
                             metadata={"description": "revoked: withdraw the decision in "
                                                      "force"})
    #: The information text she read: the current one (a page opened before the text
    #: changed is refused: she reads it again).
    information_version = fields.String(load_default=INFORMATION_VERSION,
                                        validate=validate.OneOf([INFORMATION_VERSION]))


# -- page forms (tampered values are 400; the service checks the rest) ----------------

class _Form(Schema):
    class Meta:
        unknown = EXCLUDE  # csrf_token and the submit button


class CancelForm(_Form):
    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class RebookForm(_Form):
    slot = fields.Integer(load_default=None, allow_none=True)


class ChangeRequestForm(_Form):
    reason = fields.String(load_default="", validate=validate.OneOf(["", *REASONS]))
    reason_text = fields.String(load_default="", validate=validate.Length(max=1000))
    wants_call = fields.Boolean(load_default=False)


class ConsentForm(_Form):
    decision = fields.String(load_default="", validate=validate.OneOf(["", *CONSENT_CHOICES]))
    information_version = fields.String(load_default="", validate=validate.Length(max=20))
    has_read = fields.Boolean(load_default=False)


class ReportForm(_Form):
    twins = fields.String(load_default="", validate=validate.OneOf(["", "yes", "no"]))
    special_needs = fields.String(load_default="", validate=validate.Length(max=2000))
    interpreter = fields.String(load_default="", validate=validate.Length(max=3))
