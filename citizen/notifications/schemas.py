"""Shapes of what the notification pages and API read and return."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from services.notify.content import LANGUAGES
from services.notify.models import ChannelChoice

CHANNELS = [choice.value for choice in ChannelChoice]
#: The shape of a phone number as people write it; whether it is a mobile is the settings
#: service's question (numbering plans are beyond a pattern).
MOBILE_SHAPE = r"^\+?[0-9 ]{8,20}$"
MOBILE_DESCRIPTION = ("Her own mobile number: 8 digits for Norway, or + and the country "
                      'code; spaces allowed. Null: none of her own. A number that is '
                      "not a mobile (a landline) is refused with 422.")


class JsonBoolean(fields.Boolean):
    """true or false, nothing else: not 1, "yes" or "on" (marshmallow's Boolean takes those)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class SettingsSchema(Schema):
    """A citizen's notification settings as they are in force."""

    channels = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    #: The language notices are written in now.
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    #: Her own choice; null: the language of her health record.
    chosen_language = fields.String(required=True, allow_none=True,
                                    validate=validate.OneOf(LANGUAGES))
    #: Her own number (E.164) and address; null: the hospital's or the contact register's.
    mobile = fields.String(required=True, allow_none=True)
    email = fields.String(required=True, allow_none=True)
    #: False: essential messages only.
    non_essential = fields.Boolean(required=True)
    #: She answers questionnaires by SMS where a service offers it.
    answer_by_sms = fields.Boolean(required=True)
    #: Increases with every change; the ETag is this number in quotes.
    version = fields.Integer(required=True)


class SettingsUpdateSchema(Schema):
    """``PUT /api/v1/notification-settings``: every setting, as it should be from now on."""

    channels = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    #: null: follow the language of the health record.
    language = fields.String(required=True, allow_none=True,
                             validate=validate.OneOf(LANGUAGES))
    mobile = fields.String(required=True, allow_none=True, validate=validate.Regexp(MOBILE_SHAPE),
                           metadata={"description": MOBILE_DESCRIPTION})
    email = fields.Email(required=True, allow_none=True, validate=validate.Length(max=320),
                         metadata={"description": "Her own address; null: none."})
    non_essential = JsonBoolean(required=True)
    answer_by_sms = JsonBoolean(load_default=False, metadata={
        "description": "Opt-in: a questionnaire's SMS notice offers to answer it by SMS, "
                       "with reply digits. Left out: false."})


class SmsPreviewSchema(Schema):
    """The SMS she would get for one kind of event, exactly."""

    event = fields.String(required=True)
    sms = fields.String(required=True)


class SettingsForm(Schema):
    """The settings page's form. Radio values outside their choices are a tampered form
    (400); numbers and addresses are checked by the service (errors shown on the form)."""

    class Meta:
        unknown = EXCLUDE  # csrf_token and the submit button

    channels = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    #: "": follow the health record.
    language = fields.String(load_default="", validate=validate.OneOf(("", *LANGUAGES)))
    mobile = fields.String(load_default="", validate=validate.Length(max=30))
    email = fields.String(load_default="", validate=validate.Length(max=320))
    #: Checkboxes: present when ticked.
    non_essential = fields.Boolean(load_default=False)
    answer_by_sms = fields.Boolean(load_default=False)
    version = fields.Integer(required=True, strict=False, validate=validate.Range(min=0))

    @pre_load
    def ticked(self, form, **_kwargs):
        values = dict(form.items())
        for box in ("non_essential", "answer_by_sms"):
            if box in values:
                values[box] = True
        return values
