"""``/api/v1/notification-settings``: read and replace them (optimistic locking with
ETag / If-Match on the settings' version), and the SMS each kind of event gives."""

from __future__ import annotations

from flask import Response, g, jsonify, request

from citizen.api.operations import operation
from citizen.api.schemas import page_of
from citizen.auth.current import login_required
from citizen.errors import ApiError
from citizen.notifications.access import settings_subject
from citizen.notifications.schemas import SettingsSchema, SettingsUpdateSchema, SmsPreviewSchema
from citizen.payloads import load_json
from services.notify import settings as notify_settings
from services.people.models import Person

TAGS = ("notifications",)
NOT_YOURS = "a representative may manage notification settings only with access to every area"
#: What each refusal of the settings service means, for API callers.
REFUSALS = {
    "invalid_channels": "must be sms, email or both",
    "invalid_language": "must be nb, nn, en or null",
    "invalid_mobile": "is not a phone number",
    "not_a_mobile": "is not a mobile number",
    "invalid_email": "is not an e-mail address",
    "invalid_non_essential": "must be true or false",
    "invalid_answer_by_sms": "must be true or false",
    "unknown_field": "is not a setting",
}


@operation(summary="The notification settings of the person one acts for", tags=TAGS,
           responses={200: SettingsSchema},
           response_headers={"ETag": "The settings' version; send it back in If-Match."},
           problems={403: "Acting for someone whose settings one may not manage."})
@login_required
def get_settings() -> Response:
    return _answer(notify_settings.settings_for(_subject().id))


@operation(summary="Replace the notification settings", tags=TAGS,
           description="Every setting is given. With If-Match, only if the settings are "
                       "still that version (412 otherwise); every change is audited.",
           body=SettingsUpdateSchema, responses={200: SettingsSchema},
           request_headers={"If-Match": "The ETag of the settings this change is based on."},
           response_headers={"ETag": "The new version."},
           problems={403: "From another origin, or acting for someone whose settings one "
                          "may not manage.",
                     412: "The settings changed since the ETag in If-Match."})
@login_required
def put_settings() -> Response:
    subject = _subject()
    changes = load_json(SettingsUpdateSchema())
    try:
        stored = notify_settings.update_settings(
            person_id=subject.id, actor=g.actor,
            expected_version=_expected_version(subject), **changes)
    except notify_settings.InvalidSettings as exc:
        raise ApiError(422, "the body has invalid fields", errors={
            field: [REFUSALS.get(code, code)] for field, code in exc.errors.items()}) from None
    except notify_settings.SettingsConflict:
        raise _changed_meanwhile() from None
    return _answer(stored)


@operation(summary="Exactly the SMS the person would get, for each kind of event",
           tags=TAGS, responses={200: page_of(SmsPreviewSchema)},
           problems={403: "Acting for someone whose settings one may not manage."})
@login_required
def preview() -> Response:
    previews = notify_settings.preview(person_id=_subject().id)
    return jsonify(page_of(SmsPreviewSchema)().dump(
        {"items": [p._asdict() for p in previews], "next": None}))


def _subject() -> Person:
    subject = settings_subject()
    if subject is None:
        raise ApiError(403, NOT_YOURS, title="Forbidden")
    return subject


def _expected_version(subject: Person) -> int | None:
    """The version If-Match names, if it names the stored one; None without If-Match."""
    if not request.if_match:
        return None
    current = notify_settings.settings_for(subject.id).version
    if request.if_match.star_tag or request.if_match.contains(str(current)):
        return current
    raise _changed_meanwhile()


def _changed_meanwhile() -> ApiError:
    return ApiError(412, "the settings were changed since that version; read them again",
                    title="Precondition Failed")


def _answer(preferences: notify_settings.Preferences) -> Response:
    response = jsonify(SettingsSchema().dump(preferences))
    response.set_etag(str(preferences.version))
    return response
