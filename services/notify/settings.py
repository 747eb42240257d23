"""A citizen's own choices: channel, language, own number and address, non-essential
messages, answering questionnaires by SMS. Every change is audited. The settings page
previews the SMS she would get."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.db import db
from services.notify import content
from services.notify.addresses import (
    InvalidEmail,
    InvalidNumber,
    NotAMobile,
    normalise_email,
    normalise_mobile,
)
from services.notify.events import registered_events
from services.notify.models import ChannelChoice, NotificationSettings
from services.people.models import Organisation, Person

#: Fields ``update_settings`` accepts.
FIELDS = ("channels", "language", "mobile", "email", "non_essential", "answer_by_sms")


class SettingsNotFound(LookupError):
    """No such person."""


class InvalidSettings(ValueError):
    """Some changes were refused; nothing was stored.

    ``errors`` maps each refused field to a code the web side turns into a sentence:
    ``unknown_field``, ``invalid_channels``, ``invalid_language``, ``invalid_mobile``,
    ``not_a_mobile``, ``invalid_email``, ``invalid_non_essential``, ``invalid_answer_by_sms``.
    """

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{field}: {code}" for field, code in errors.items()))
        self.errors = errors


class SettingsConflict(ValueError):
    """``expected_version`` is not the stored version: someone changed them in between."""


@dataclass(frozen=True)
class Preferences:
    """The settings in force for a person: her choices, the defaults where she made none."""

    person_id: int
    channels: ChannelChoice
    #: The language notices are written in: her choice, else her record's.
    language: str
    #: Her own choice of language; None: she follows her record's.
    chosen_language: str | None
    #: Her own number and address (the hospital's and KRR's come after them).
    mobile: str | None
    email: str | None
    #: False: essential messages only.
    non_essential: bool
    #: She answers questionnaires by SMS where a service offers it (opt-in).
    answer_by_sms: bool
    #: 0 while she has changed nothing (the defaults); increases with every change.
    version: int


class SmsPreview(NamedTuple):
    event: str
    sms: str


def settings_for(person_id: int) -> Preferences:
    person = db.session.get(Person, person_id)
    if person is None:
        raise SettingsNotFound("person")
    return _preferences(person, db.session.get(NotificationSettings, person_id))


def update_settings(*, person_id: int, actor: Actor, expected_version: int | None = None,
                    **changes: Any) -> Preferences:
    """Validate and store ``changes`` (any of :data:`FIELDS`), audited; all or nothing.

    ``mobile`` is stored as E.164 (read with Norway as the default region), ``""`` or None
    clears a number or address, ``language=None`` follows the record's language again.
    """
    person = db.session.get(Person, person_id)
    if person is None:
        raise SettingsNotFound("person")
    cleaned = _validated(changes)
    stored = db.session.get(NotificationSettings, person_id)
    if expected_version is not None and expected_version != (stored.version_id if stored
                                                             else 0):
        raise SettingsConflict("the settings were changed in the meantime")
    if stored is None:
        stored = NotificationSettings(person_id=person_id, channels=ChannelChoice.SMS,
                                      non_essential=True, answer_by_sms=False)
        db.session.add(stored)
    for field, value in cleaned.items():
        setattr(stored, field, value)
    db.session.flush()
    audit.record(actor=actor, action="update", resource_type="NotificationSettings",
                 resource_id=person_id, subject_person_id=person_id, purpose="self-service",
                 reason=",".join(sorted(cleaned)) or None)
    return _preferences(person, stored)


def preview(*, person_id: int, organisation_id: int | None = None) -> list[SmsPreview]:
    """Exactly the SMS she would get for each kind of event, in her language.

    The sender is ``organisation_id``'s name by the content rule; without one, the
    deployment's own health trust (the first organisation registered at the top).
    """
    preferences = settings_for(person_id)
    organisation = (db.session.get(Organisation, organisation_id) if organisation_id
                    else _home_organisation())
    sender = content.sender_name(organisation)
    return [SmsPreview(event.name, content.render_sms(event=event.name,
                                                      language=preferences.language,
                                                      sender=sender, context=event.example))
            for event in registered_events() if event.previewed]


def language_of(person: Person, stored: NotificationSettings | None) -> str:
    """Her chosen language, else her record's, else Bokmål."""
    for language in (stored.language if stored else None, person.language):
        if language in content.LANGUAGES:
            return language
    return content.DEFAULT_LANGUAGE


def _preferences(person: Person, stored: NotificationSettings | None) -> Preferences:
    return Preferences(
        person_id=person.id,
        channels=stored.channels if stored else ChannelChoice.SMS,
        language=language_of(person, stored),
        chosen_language=stored.language if stored else None,
        mobile=stored.mobile if stored else None,
        email=stored.email if stored else None,
        non_essential=stored.non_essential if stored else True,
        answer_by_sms=stored.answer_by_sms if stored else False,
        version=stored.version_id if stored else 0,
    )


def _validated(changes: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, value in changes.items():
        validator = _VALIDATORS.get(field)
        if validator is None:
            errors[field] = "unknown_field"
            continue
        try:
            cleaned[field] = validator(value)
        except _Refused as refused:
            errors[field] = refused.code
    if errors:
        raise InvalidSettings(errors)
    return cleaned


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        self.code = code


def _channels(value: Any) -> ChannelChoice:
    try:
        return ChannelChoice(value)
    except ValueError:
        raise _Refused("invalid_channels") from None


def _language(value: Any) -> str | None:
    if value is None:
        return None
    if value not in content.LANGUAGES:
        raise _Refused("invalid_language")
    return value


def _mobile(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise _Refused("invalid_mobile")
    try:
        return normalise_mobile(value)
    except NotAMobile:
        raise _Refused("not_a_mobile") from None
    except InvalidNumber:
        raise _Refused("invalid_mobile") from None


def _email(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise _Refused("invalid_email")
    try:
        return normalise_email(value)
    except InvalidEmail:
        raise _Refused("invalid_email") from None


def _boolean(code: str) -> Callable[[Any], bool]:
    def validate(value: Any) -> bool:
        if not isinstance(value, bool):
            raise _Refused(code)
        return value

    return validate


_VALIDATORS = {"channels": _channels, "language": _language, "mobile": _mobile,
               "email": _email, "non_essential": _boolean("invalid_non_essential"),
               "answer_by_sms": _boolean("invalid_answer_by_sms")}


def _home_organisation() -> Organisation | None:
    return db.session.scalar(sa.select(Organisation).where(Organisation.parent_id.is_(None))
                             .order_by(Organisation.id).limit(1))
