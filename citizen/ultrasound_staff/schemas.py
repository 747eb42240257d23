"""The clinic's forms."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE  # csrf_token and the submit button


class CancelForm(_Form):
    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class SlotForm(_Form):
    """A new free time: the day and the time of day in Norway, and how long."""

    schedule = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    day = fields.String(load_default="", validate=validate.Length(max=20))
    time = fields.String(load_default="", validate=validate.Length(max=20))
    minutes = fields.String(load_default="30", validate=validate.Length(max=10))
