"""``/api/v1/notification-settings``: read, replace (validated, audited, optimistic
locking with ETag / If-Match), the SMS preview, and who may do it. Every answer is
checked against the OpenAPI document by ``api_client``."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.notify.models import NotificationSettings
from services.people.models import Role
from services.sessions.service import SessionKind, start_session
from tests.plugins.api import log_in_as
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.plugins.login import set_session_cookie

URL = "/api/v1/notification-settings"
BODY = {"channels": "both", "language": "nn", "mobile": "912 34 567",
        "email": "Kari@Example.no", "non_essential": False}


@pytest.fixture
def kari(db, frozen_clock):
    return make_person(given_name="Kari")


@pytest.fixture
def as_kari(api_client, kari):
    log_in_as(api_client, kari)
    return api_client


def stored(person) -> NotificationSettings | None:
    return db.session.get(NotificationSettings, person.id, populate_existing=True)


def test_without_a_choice_the_defaults_hold_at_version_0(as_kari):
    answer = as_kari.get(URL)

    assert answer.status_code == 200
    assert answer.json == {"channels": "sms", "language": "nb", "chosen_language": None,
                           "mobile": None, "email": None, "non_essential": True,
                           "answer_by_sms": False, "version": 0}
    assert answer.headers["ETag"] == '"0"'


def test_put_replaces_the_settings_normalised_and_audited(as_kari, kari):
    answer = as_kari.put(URL, json=BODY)

    assert answer.status_code == 200
    assert answer.json == {"channels": "both", "language": "nn", "chosen_language": "nn",
                           "mobile": "+4791234567", "email": "Kari@Example.no",
                           "non_essential": False, "answer_by_sms": False, "version": 1}
    assert answer.headers["ETag"] == '"1"'
    row = stored(kari)
    assert (row.channels, row.mobile, row.non_essential) == ("both", "+4791234567", False)
    audit = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "NotificationSettings")).all()
    assert [(a.action, a.actor_id, a.subject_person_id) for a in audit] == [
        ("update", str(kari.id), kari.id)]
    assert as_kari.get(URL).json == answer.json


def test_null_clears_a_number_and_follows_the_records_language_again(as_kari, kari):
    as_kari.put(URL, json=BODY)

    answer = as_kari.put(URL, json={**BODY, "mobile": None, "email": None, "language": None})

    assert answer.json["mobile"] is None and answer.json["email"] is None
    assert (answer.json["language"], answer.json["chosen_language"]) == ("nb", None)


@pytest.mark.parametrize(("change", "field"), [
    ({"mobile": "12345"}, "mobile"),
    ({"mobile": "22 22 22 22"}, "mobile"),  # a landline: no SMS reaches it
    ({"email": "kari@"}, "email"),
    ({"channels": "fax"}, "channels"),
    ({"language": "se"}, "language"),
    ({"non_essential": 1}, "non_essential"),
    ({"non_essential": "yes"}, "non_essential"),
    ({"answer_by_sms": "true"}, "answer_by_sms"),
    ({"answer_by_sms": None}, "answer_by_sms"),
    ({"mobile": "9" * 21}, "mobile"),
    ({"mobile": "+47 9123456a"}, "mobile"),  # phonenumbers would read letters as digits
    ({"mobile": ""}, "mobile"),  # null clears; an empty string is no number
    ({"email": ""}, "email"),
])
def test_an_invalid_setting_is_422_naming_the_field_and_nothing_is_stored(
        as_kari, kari, change, field):
    answer = as_kari.put(URL, json={**BODY, **change})

    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert list(answer.json["errors"]) == [field]
    assert stored(kari) is None


def test_she_opts_in_to_answering_by_sms_and_a_put_without_it_opts_out(as_kari, kari):
    opted_in = as_kari.put(URL, json={**BODY, "answer_by_sms": True})

    assert opted_in.status_code == 200 and opted_in.json["answer_by_sms"] is True
    assert stored(kari).answer_by_sms is True
    again = as_kari.put(URL, json=BODY)  # an opt-in is never assumed
    assert again.json["answer_by_sms"] is False and stored(kari).answer_by_sms is False


def test_every_setting_must_be_given_and_no_other(as_kari, kari):
    missing = as_kari.put(URL, json={"channels": "sms"})
    extra = as_kari.put(URL, json={**BODY, "version": 7})

    assert missing.status_code == 422
    assert set(missing.json["errors"]) == {"language", "mobile", "email", "non_essential"}
    assert extra.status_code == 422 and list(extra.json["errors"]) == ["version"]
    assert stored(kari) is None


@pytest.mark.parametrize(("kwargs", "status"), [
    ({"data": '{"channels": ', "content_type": "application/json"}, 400),
    ({"data": "channels=sms", "content_type": "application/x-www-form-urlencoded"}, 415),
    ({"json": BODY, "headers": {"Origin": "https://evil.example"}}, 403),
    ({"json": BODY, "headers": {"Sec-Fetch-Site": "cross-site"}}, 403),
    ({"json": [BODY]}, 422),
])
def test_a_body_that_is_not_ours_to_take_changes_nothing(as_kari, kari, kwargs, status):
    assert as_kari.put(URL, **kwargs).status_code == status
    assert stored(kari) is None


def test_if_match_with_the_current_version_saves(as_kari):
    etag = as_kari.get(URL).headers["ETag"]

    answer = as_kari.put(URL, json=BODY, headers={"If-Match": etag})

    assert answer.status_code == 200
    assert answer.headers["ETag"] == '"1"'


@pytest.mark.parametrize("if_match", ['"0"', 'W/"1"', '"x"', '"2"'])
def test_if_match_with_another_version_is_412_and_nothing_changes(as_kari, kari, if_match):
    as_kari.put(URL, json=BODY)  # now version 1

    answer = as_kari.put(URL, json={**BODY, "channels": "sms"}, headers={"If-Match": if_match})

    assert answer.status_code == 412
    assert answer.mimetype == "application/problem+json"
    assert stored(kari).channels == "both"


def test_if_match_star_or_a_list_holding_the_version_saves(as_kari):
    assert as_kari.put(URL, json=BODY, headers={"If-Match": "*"}).status_code == 200
    assert as_kari.put(URL, json=BODY, headers={"If-Match": '"5", "1"'}).status_code == 200


def test_the_preview_is_exactly_the_sms_in_her_language(as_kari):
    make_organisation()  # the deployment's trust: St. Olavs hospital HF
    before = as_kari.get(f"{URL}/preview")
    as_kari.put(URL, json=BODY)  # nynorsk
    after = as_kari.get(f"{URL}/preview")

    assert before.status_code == after.status_code == 200
    assert before.json["next"] is None
    assert {"event": "notify.new-message",
            "sms": "Du har fått en ny melding fra St. Olavs hospital. Logg inn på "
                   "helsenorge.no for å lese den."} in before.json["items"]
    assert {"event": "notify.new-message",
            "sms": "Du har fått ei ny melding frå St. Olavs hospital. Logg inn på "
                   "helsenorge.no for å lese ho."} in after.json["items"]
    assert "notify.test" not in {item["event"] for item in after.json["items"]}


# Who may: herself, and a representative with every area.

@pytest.mark.parametrize("who", ["small", "giver"])
def test_a_representative_with_every_area_manages_the_persons_settings(api_client, family,
                                                                      who):
    subject = getattr(family, who)
    actor = family.parent if who == "small" else family.holder
    log_in_as(api_client, actor, acting_for=subject)

    answer = api_client.put(URL, json=BODY)

    assert answer.status_code == 200
    assert stored(subject).mobile == "+4791234567"
    assert stored(actor) is None
    [audit] = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "NotificationSettings")).all()
    assert (audit.actor_id, audit.on_behalf_of_person_id, audit.subject_person_id) == (
        str(actor.id), subject.id, subject.id)
    assert api_client.get(f"{URL}/preview").status_code == 200


@pytest.mark.parametrize("who", ["teen", "partial_giver"])
def test_a_representative_without_every_area_is_refused(api_client, family, who):
    subject = getattr(family, who)
    actor = family.parent if who == "teen" else family.holder
    log_in_as(api_client, actor, acting_for=subject)

    for answer in (api_client.get(URL), api_client.put(URL, json=BODY),
                   api_client.get(f"{URL}/preview")):
        assert answer.status_code == 403
        assert "every area" in answer.json["detail"]
    assert stored(subject) is None and stored(actor) is None


def test_no_session_staff_or_systems_get_401(api_client, db, frozen_clock):
    assert api_client.get(URL).status_code == 401
    assert api_client.put(URL, json=BODY).status_code == 401
    trust = make_organisation()
    staff = make_staff(trust, Role.ADMIN)
    _, token = start_session(kind=SessionKind.STAFF,
                             actor=Actor.staff(staff.id, organisation_id=trust.id),
                             absolute_timeout=timedelta(hours=1), staff_id=staff.id,
                             organisation_id=trust.id)
    db.session.commit()
    set_session_cookie(api_client, token)
    assert api_client.get(URL).status_code == 401
    assert api_client.get(f"{URL}/preview").status_code == 401
