"""The settings page: the form with what is stored, saving (PRG), form errors that keep
what she typed, a stale form, the SMS preview, and who may change what. Reached from the
messages tile on Min side."""

from __future__ import annotations

import re

import pytest

from services.actors import Actor
from services.db import db
from services.notify.models import NotificationSettings
from services.notify.settings import update_settings
from tests.citizen.pages import csrf, sign_in_citizen, text
from tests.plugins.api import log_in_as
from tests.plugins.factories import make_organisation, make_person

URL = "/settings/notifications"


@pytest.fixture
def kari(db, frozen_clock):
    make_organisation()  # St. Olavs hospital HF, named in the preview
    return make_person(given_name="Kari")


@pytest.fixture
def browser(client, kari):
    sign_in_citizen(client, kari)
    return client


def stored(person) -> NotificationSettings | None:
    return db.session.get(NotificationSettings, person.id, populate_existing=True)


def checked(html: str, input_id: str) -> bool:
    tag = re.search(rf'<input[^>]*\bid="{input_id}"[^>]*>', html)
    assert tag, f"no input {input_id}"
    return re.search(r"\schecked\b", tag.group()) is not None


def form(page_html: str, **fields) -> dict:
    return {"csrf_token": csrf(page_html), "channels": "sms", "language": "", "mobile": "",
            "email": "", "non_essential": "yes", "version": "0", **fields}


def test_the_page_shows_the_stored_choices_and_the_exact_sms(browser, kari):
    update_settings(person_id=kari.id, actor=Actor.person(kari.id), channels="email",
                    email="kari@example.no", language="en", non_essential=False)
    db.session.commit()

    page = text(browser.get(URL))

    assert checked(page, "channels-email") and not checked(page, "channels-sms")
    assert 'value="kari@example.no"' in page
    assert checked(page, "language-en") and not checked(page, "language-record")
    assert not checked(page, "non_essential")
    assert 'name="version" value="1"' in page
    assert ('<p class="message-text">You have a new message from St. Olavs hospital. '
            'Log in at helsenorge.no to read it.</p>') in page
    assert 'name="csrf_token"' in page


def test_saving_stores_the_choices_and_comes_back_to_the_page(browser, kari):
    page = text(browser.get(URL))

    answer = browser.post(URL, data=form(page, channels="both", mobile="912 34 567",
                                         language="nn"))

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(URL)
    row = stored(kari)
    assert (row.channels, row.mobile, row.language, row.non_essential) == (
        "both", "+4791234567", "nn", True)
    shown = text(browser.get(URL))
    assert 'role="status"' in shown  # the saved notice
    assert "Du har fått ei ny melding frå St. Olavs hospital." in shown  # nynorsk SMS now


def test_an_unticked_box_means_essential_messages_only(browser, kari):
    page = text(browser.get(URL))
    data = form(page)
    del data["non_essential"]

    assert browser.post(URL, data=data).status_code == 303
    assert stored(kari).non_essential is False


def test_she_opts_in_to_answering_by_sms_with_a_box_off_by_default(browser, kari):
    page = text(browser.get(URL))
    assert not checked(page, "answer_by_sms")
    assert "La meg svare på SMS" in page

    assert browser.post(URL, data=form(page, answer_by_sms="yes")).status_code == 303
    assert stored(kari).answer_by_sms is True
    page = text(browser.get(URL))
    assert checked(page, "answer_by_sms")
    assert browser.post(URL, data=form(page, version="1")).status_code == 303
    assert stored(kari).answer_by_sms is False


@pytest.mark.parametrize(("field", "value"), [("mobile", "12345"), ("mobile", "22222222"),
                                              ("email", "kari@")])
def test_a_wrong_number_or_address_is_shown_on_the_form_with_what_she_typed(
        browser, kari, field, value):
    page = text(browser.get(URL))

    answer = browser.post(URL, data=form(page, channels="both", **{field: value}))

    assert answer.status_code == 422
    html = text(answer)
    assert 'class="error-summary"' in html and f'href="#{field}"' in html
    assert f'value="{value}"' in html and 'aria-invalid="true"' in html
    assert checked(html, "channels-both")
    assert stored(kari) is None


def test_a_form_older_than_the_stored_settings_is_not_saved(browser, kari):
    page = text(browser.get(URL))
    update_settings(person_id=kari.id, actor=Actor.person(kari.id), channels="email")
    db.session.commit()

    answer = browser.post(URL, data=form(page, channels="sms"))

    assert answer.status_code == 409
    assert 'name="version" value="1"' in text(answer)
    assert stored(kari).channels == "email"


@pytest.mark.parametrize("tampered", [{"channels": "fax"}, {"language": "se"},
                                      {"version": "x"}, {"channels": ""}])
def test_a_tampered_form_is_400_and_changes_nothing(browser, kari, tampered):
    page = text(browser.get(URL))

    assert browser.post(URL, data=form(page, **tampered)).status_code == 400
    assert stored(kari) is None


def test_a_form_without_its_csrf_token_is_refused(browser, kari):
    page = text(browser.get(URL))
    data = form(page)
    del data["csrf_token"]

    assert browser.post(URL, data=data).status_code == 400
    assert stored(kari) is None


def test_a_parent_manages_a_small_childs_settings(client, family):
    log_in_as(client, family.parent, acting_for=family.small)
    page = text(client.get(URL))

    assert "Emil" in page
    assert client.post(URL, data=form(page, channels="email")).status_code == 303
    assert stored(family.small).channels == "email"
    assert stored(family.parent) is None


def test_a_parent_of_a_teenager_is_told_she_cannot_and_may_not_post(client, family):
    log_in_as(client, family.parent, acting_for=family.teen)
    page = client.get(URL)

    assert page.status_code == 200
    html = text(page)
    assert "<form method=\"post\" action=\"/settings/notifications\"" not in html
    assert 'class="notice notice-info"' in html and "Sofie" in html
    token = csrf(text(client.get("/acting-for")))
    answer = client.post(URL, data={"csrf_token": token, "channels": "email", "version": "0"})
    assert answer.status_code == 403
    assert stored(family.teen) is None


def test_the_messages_tile_on_min_side_leads_here(browser):
    home = text(browser.get("/min-side"))

    assert f'<a href="{URL}">' in home


def test_not_logged_in_goes_to_the_login(client, db):
    answer = client.get(URL)

    assert answer.status_code == 302
    assert "/auth/login" in answer.headers["Location"]


@pytest.mark.parametrize(("lang", "heading", "save"), [
    ("nb", "Varsler", "Lagre"), ("nn", "Varsel", "Lagre"), ("en", "Notifications", "Save"),
])
def test_the_page_speaks_bokmal_nynorsk_and_english(browser, lang, heading, save):
    page = text(browser.get(f"{URL}?lang={lang}"))

    assert f'<html lang="{lang}">' in page
    assert f"<h1>{heading}</h1>" in page and f">{save}</button>" in page
