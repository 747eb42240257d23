"""A citizen's settings: defaults, validation of every field, audit, the SMS preview."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.notify.models import ChannelChoice, NotificationSettings
from services.notify.settings import (
    InvalidSettings,
    SettingsConflict,
    SettingsNotFound,
    preview,
    settings_for,
    update_settings,
)
from tests.plugins.db import table_rows
from tests.plugins.factories import make_organisation, make_person


@pytest.fixture
def person(db):
    return make_person()


def _update(person, **changes):
    return update_settings(person_id=person.id, actor=Actor.person(person.id), **changes)


def test_without_a_row_the_defaults_hold(person):
    preferences = settings_for(person.id)
    assert preferences.channels is ChannelChoice.SMS
    assert (preferences.language, preferences.chosen_language) == ("nb", None)
    assert (preferences.mobile, preferences.email) == (None, None)
    assert preferences.non_essential is True and preferences.version == 0
    assert table_rows(NotificationSettings) == []


def test_an_unknown_person_has_no_settings(db):
    with pytest.raises(SettingsNotFound):
        settings_for(999_999)
    with pytest.raises(SettingsNotFound):
        update_settings(person_id=999_999, actor=Actor.operator("test"), channels="sms")


def test_the_record_language_holds_until_she_chooses_one(db, person):
    person.language = "nn"
    assert settings_for(person.id).language == "nn"
    assert _update(person, language="en").language == "en"
    back = _update(person, language=None)
    assert (back.language, back.chosen_language) == ("nn", None)


def test_a_change_is_stored_and_audited(db, person):
    changed = _update(person, channels="both", mobile="912 34 567", email=" kari@example.no ",
                      non_essential=False)
    assert changed.channels is ChannelChoice.BOTH
    assert (changed.mobile, changed.email) == ("+4791234567", "kari@example.no")
    assert changed.non_essential is False and changed.version == 1
    [event] = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "NotificationSettings")).all()
    assert (event.action, event.subject_person_id, event.actor_id) == (
        "update", person.id, str(person.id))
    assert event.reason == "channels,email,mobile,non_essential"
    assert "912" not in (event.reason or "")
    assert _update(person, channels="email").version == 2


def test_empty_clears_a_number_and_an_address(db, person):
    _update(person, mobile="+4791234567", email="kari@example.no")
    cleared = _update(person, mobile="", email=None)
    assert (cleared.mobile, cleared.email) == (None, None)


@pytest.mark.parametrize(("changes", "errors"), [
    ({"channels": "fax"}, {"channels": "invalid_channels"}),
    ({"channels": None}, {"channels": "invalid_channels"}),
    ({"language": "sv"}, {"language": "invalid_language"}),
    ({"language": "NB"}, {"language": "invalid_language"}),
    ({"mobile": "12345"}, {"mobile": "invalid_mobile"}),
    ({"mobile": "not a number"}, {"mobile": "invalid_mobile"}),
    ({"mobile": 91234567}, {"mobile": "invalid_mobile"}),
    ({"mobile": "73 86 80 00"}, {"mobile": "not_a_mobile"}),  # a landline (Trondheim)
    ({"email": "kari"}, {"email": "invalid_email"}),
    ({"email": "kari@localhost"}, {"email": "invalid_email"}),
    ({"email": "ka ri@example.no"}, {"email": "invalid_email"}),
    ({"email": "kari@@example.no"}, {"email": "invalid_email"}),
    ({"email": "k" * 64 + "@" + "a" * 253 + ".no"}, {"email": "invalid_email"}),  # 321
    ({"email": "k" * 65 + "@example.no"}, {"email": "invalid_email"}),
    ({"email": 42}, {"email": "invalid_email"}),
    ({"non_essential": "no"}, {"non_essential": "invalid_non_essential"}),
    ({"non_essential": 0}, {"non_essential": "invalid_non_essential"}),
    ({"answer_by_sms": "yes"}, {"answer_by_sms": "invalid_answer_by_sms"}),
    ({"colour": "red"}, {"colour": "unknown_field"}),
    ({"channels": "fax", "language": "sv", "mobile": "+4791234567"},
     {"channels": "invalid_channels", "language": "invalid_language"}),
])
def test_refused_changes_store_nothing(db, person, changes, errors):
    with pytest.raises(InvalidSettings) as refused:
        _update(person, **changes)
    assert refused.value.errors == errors
    assert table_rows(NotificationSettings) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.resource_type == "NotificationSettings")) == 0


@pytest.mark.parametrize("number", ["+4791234567", "91234567", "0047 912 34 567",
                                    "+47 912 34 567"])
def test_norwegian_mobiles_in_any_writing_are_e164(db, person, number):
    assert _update(person, mobile=number).mobile == "+4791234567"


def test_a_foreign_mobile_is_kept_in_its_own_country(db, person):
    assert _update(person, mobile="+46 70 123 45 67").mobile == "+46701234567"


def test_the_longest_address_is_accepted(db, person):
    address = "k" * 64 + "@" + "a" * 252 + ".no"
    assert len(address) == 320
    assert _update(person, email=address).email == address


def test_a_stale_version_is_a_conflict(db, person):
    _update(person, channels="email")
    with pytest.raises(SettingsConflict):
        _update(person, channels="both", expected_version=0)
    assert _update(person, channels="both", expected_version=1).version == 2


def test_the_first_change_expects_version_zero(db, person):
    assert _update(person, channels="email", expected_version=0).version == 1


def test_preview_is_the_sms_of_every_previewed_event_in_her_language(db, person):
    make_organisation()
    assert preview(person_id=person.id) == [
        ("notify.new-message", "Du har fått en ny melding fra St. Olavs hospital. "
                               "Logg inn på helsenorge.no for å lese den."),
        ("records.document-new", "Du har et nytt dokument fra St. Olavs hospital. Logg inn "
                                 "på helsenorge.no for å lese det."),
        ("records.export-ready", "Kopien du ba om er klar til nedlasting. Logg inn på "
                                 "helsenorge.no for å laste den ned."),
        ("records.question-answered", "Du har fått svar på spørsmålet ditt fra St. Olavs "
                                      "hospital. Logg inn på helsenorge.no for å lese det."),
        ("ultrasound.appointment-cancelled", "En time hos St. Olavs hospital er avlyst. "
                                             "Logg inn på helsenorge.no for å se mer."),
        ("ultrasound.appointment-changed", "En time hos St. Olavs hospital er endret. Logg "
                                           "inn på helsenorge.no for å se den nye tiden."),
        ("ultrasound.appointment-new", "Du har fått en ny time hos St. Olavs hospital. "
                                       "Logg inn på helsenorge.no for å se den."),
        ("ultrasound.appointment-reminder", "Påminnelse: Du har en time hos St. Olavs "
                                            "hospital 05.03.2027 kl. 08:30. Svar JA for å "
                                            "bekrefte, eller RING hvis du vil at vi ringer "
                                            "deg. Logg inn på helsenorge.no for å se den."),
        ("ultrasound.change-registered", "Vi har registrert endringen din hos St. Olavs "
                                         "hospital. Logg inn på helsenorge.no for å se den. "
                                         "Var det ikke deg, ring oss."),
        ("wound.answer-received", "St. Olavs hospital har fått svarene dine. Takk! Du "
                                  "finner kvitteringen når du logger inn på helsenorge.no."),
        ("wound.questionnaire-open", "St. Olavs hospital har noen spørsmål til deg. Logg inn "
                                     "på helsenorge.no for å svare."),
        ("wound.questionnaire-reminder", "Påminnelse: St. Olavs hospital venter på svaret "
                                         "ditt. Logg inn på helsenorge.no for å svare."),
    ]
    _update(person, language="en")
    previews = dict(preview(person_id=person.id))
    assert previews["notify.new-message"] == (
        "You have a new message from St. Olavs hospital. Log in at helsenorge.no to read it.")
    assert previews["ultrasound.appointment-new"] == (
        "You have a new appointment with St. Olavs hospital. Log in at helsenorge.no to see "
        "it.")


def test_preview_names_the_organisation_asked_for_and_hides_a_sensitive_one(db, person):
    make_organisation()
    clinic = make_organisation(name="Klinikk for rus", org_number="974633698")
    clinic.name_is_sensitive = True
    previews = dict(preview(person_id=person.id, organisation_id=clinic.id))
    assert previews["notify.new-message"] == (
        "Du har fått en ny melding. Logg inn på helsenorge.no for å lese den.")
    assert previews["ultrasound.appointment-new"] == (
        "Du har fått en ny time. Logg inn på helsenorge.no for å se den.")
    assert all("St. Olavs" not in sms and "rus" not in sms for sms in previews.values())

