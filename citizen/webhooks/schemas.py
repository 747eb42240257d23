"""The fields of Twilio's webhook forms that we read; Twilio sends many more (ignored)."""

from marshmallow import EXCLUDE, Schema, fields, validate


class StatusCallbackSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    MessageSid = fields.String(required=True, validate=validate.Length(min=1, max=64))
    MessageStatus = fields.String(required=True, validate=validate.Length(min=1, max=20))
    #: Twilio's numeric error code, on failed and undelivered messages.
    ErrorCode = fields.String(validate=validate.Regexp(r"^\d{1,10}$"))


class InboundMessageSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    From = fields.String(required=True, validate=validate.Length(min=1, max=32))
    #: An MMS may come without text.
    Body = fields.String(load_default="", validate=validate.Length(max=1600))
    #: STOP, START or HELP when the Messaging Service's Advanced Opt-Out recognised one.
    OptOutType = fields.String(validate=validate.Length(max=10))
