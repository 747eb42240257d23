"""Shapes of what the blocks, proxies and consent-history API reads and returns."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from citizen.api.schemas import JsonInteger
from citizen.notifications.schemas import JsonBoolean
from services.people.models import Area
from services.people.representation import Basis
from services.records.models import BlockKind

AREAS = [a.value for a in Area]
#: Ids are PostgreSQL integers.
MAX_ID = 2**31 - 1
BLOCK_TARGETS = ("document_id", "organisation_id", "staff_id", "everything")


class BlockSchema(Schema):
    """One of her blocks: what it keeps from whom, since when, and whether it is lifted."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in BlockKind]))
    document_id = fields.Integer(required=True, allow_none=True)
    organisation_id = fields.Integer(required=True, allow_none=True)
    staff_id = fields.Integer(required=True, allow_none=True)
    active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True, metadata={"description": "UTC"})
    lifted_at = fields.AwareDateTime(required=True, allow_none=True)
    summary = fields.String(required=True, metadata={
        "description": "What it keeps, in a sentence, in the caller's language"})


class NewBlockSchema(Schema):
    """Exactly one of: ``document_id``, ``organisation_id``, ``staff_id``, ``everything: true``."""

    class Meta:
        unknown = RAISE

    document_id = JsonInteger(validate=validate.Range(min=1, max=MAX_ID))
    organisation_id = JsonInteger(validate=validate.Range(min=1, max=MAX_ID))
    staff_id = JsonInteger(validate=validate.Range(min=1, max=MAX_ID))
    everything = JsonBoolean(validate=validate.Equal(True))

    @validates_schema
    def one_target(self, data, **kwargs):
        named = [name for name in BLOCK_TARGETS if name in data]
        if len(named) != 1:
            raise ValidationError("name exactly one of document_id, organisation_id, "
                                  "staff_id or everything", field_name="_schema")


class PersonRefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class FullmaktSchema(Schema):
    """A fullmakt she has given or been given."""

    id = fields.Integer(required=True)
    giver = fields.Nested(PersonRefSchema, required=True)
    recipient = fields.Nested(PersonRefSchema, required=True)
    areas = fields.List(fields.String(validate=validate.OneOf(AREAS)), required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True, metadata={"description": "The last day it is in force"})
    revoked_at = fields.AwareDateTime(required=True, allow_none=True)
    in_force_today = fields.Boolean(required=True)


class NewFullmaktSchema(Schema):
    class Meta:
        unknown = RAISE

    national_id = fields.String(required=True, validate=validate.Length(min=11, max=20),
                                metadata={"description": "The recipient's fødselsnummer or "
                                                         "D-number (11 digits)"})
    areas = fields.List(fields.String(validate=validate.OneOf(AREAS)), required=True,
                        validate=validate.Length(min=1, max=len(AREAS)))
    starts_on = fields.Date(load_default=None, metadata={"description": "Default: today"})
    ends_on = fields.Date(required=True)


class ParentSchema(Schema):
    guardian = fields.Nested(PersonRefSchema, required=True)
    areas = fields.List(fields.String(validate=validate.OneOf(AREAS)), required=True)


class ActsForSchema(Schema):
    person = fields.Nested(PersonRefSchema, required=True)
    basis = fields.String(required=True, validate=validate.OneOf([b.value for b in Basis]))
    areas = fields.List(fields.String(validate=validate.OneOf(AREAS)), required=True)


class ProxiesSchema(Schema):
    """Who may act for her, and for whom she may act, today."""

    given = fields.List(fields.Nested(FullmaktSchema), required=True)
    received = fields.List(fields.Nested(FullmaktSchema), required=True)
    parents = fields.List(fields.Nested(ParentSchema), required=True)
    acts_for = fields.List(fields.Nested(ActsForSchema), required=True)
    may_withhold_from_parents = fields.Boolean(required=True)
    withheld_from_parents = fields.List(fields.String(validate=validate.OneOf(AREAS)),
                                        required=True)


class ReceiptActorSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["person", "staff", "system"]))
    is_herself = fields.Boolean(required=True)
    name = fields.String(required=True, allow_none=True)


class ReceiptSchema(Schema):
    """One change in her consent history."""

    id = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)
    change = fields.String(required=True)
    actor = fields.Nested(ReceiptActorSchema, required=True)
    details = fields.Dict(keys=fields.String(), required=True,
                          metadata={"description": "Ids and codes only"})
    summary = fields.String(required=True)


class EmptySchema(Schema):
    """``{}``: what a DELETE sends, for the API's rule that a change comes with a JSON body
    (citizen/api/origin.py); anything in it is refused."""

    class Meta:
        unknown = RAISE


#: The same, as the OpenAPI document states it.
EMPTY_BODY = {"type": "object", "maxProperties": 0,
              "description": "An empty object: a change is sent as JSON (CSRF)."}


def _only(name: str, schema: dict) -> dict:
    return {"type": "object", "properties": {name: schema}, "required": [name],
            "additionalProperties": False}


_ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
#: ``NewBlockSchema`` as the OpenAPI document states it: exactly one of the four.
NEW_BLOCK_BODY = {"oneOf": [_only("document_id", _ID_SCHEMA),
                            _only("organisation_id", _ID_SCHEMA),
                            _only("staff_id", _ID_SCHEMA),
                            _only("everything", {"const": True})]}
