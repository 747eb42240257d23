"""Administrators' pages (failed messages with a re-send, paper letters) and the
development page of console messages."""

from __future__ import annotations

import pytest

from services.db import db
from services.notify.models import ConsoleMessage, Notification
from services.notify.paper import record_paper
from services.outbox.models import OutboxMessage, OutboxStatus
from services.people.models import Role
from tests.citizen.pages import csrf, sign_in_staff, text
from tests.plugins.factories import make_organisation, make_person, make_staff


@pytest.fixture
def trust(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def admin_browser(client, trust):
    sign_in_staff(client, make_staff(trust, Role.ADMIN, name="Admin Anders"), trust)
    return client


def dead_sms(key: str = "k", **fields) -> OutboxMessage:
    row = OutboxMessage(**{"channel": "sms", "dedupe_key": key, "status": OutboxStatus.DEAD,
                           "attempts": 10, "payload": {"to": "+4791234567",
                                                       "body": "Hemmelig innhold"},
                           "last_error": "Twilio 21610: +4791234567 opted out", **fields})
    db.session.add(row)
    db.session.commit()
    return row


def test_the_outbox_page_lists_failures_without_bodies_or_full_numbers(admin_browser):
    row = dead_sms()

    page = text(admin_browser.get("/staff/notifications/outbox"))

    assert f"<td data-label=\"Melding\">{row.id}</td>" in page
    assert "Twilio 21610: •••••••••67 opted out" in page
    assert "+4791234567" not in page and "Hemmelig innhold" not in page
    assert f'action="/staff/notifications/outbox/{row.id}/resend"' in page


def test_send_again_resets_the_message_and_comes_back(admin_browser, published_messages):
    row = dead_sms()
    page = text(admin_browser.get("/staff/notifications/outbox"))

    answer = admin_browser.post(f"/staff/notifications/outbox/{row.id}/resend",
                                data={"csrf_token": csrf(page)})

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/staff/notifications/outbox")
    db.session.refresh(row)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    assert published_messages == [row.id]
    assert "Ingen meldinger har feilet" in text(admin_browser.get("/staff/notifications/outbox"))


def test_send_again_of_a_message_being_sent_is_404(admin_browser, published_messages):
    row = dead_sms(status=OutboxStatus.SENDING)
    page = text(admin_browser.get("/staff/notifications/outbox"))

    answer = admin_browser.post(f"/staff/notifications/outbox/{row.id}/resend",
                                data={"csrf_token": csrf(page)})

    assert answer.status_code == 404
    assert published_messages == []


def test_send_again_needs_the_forms_csrf_token(admin_browser, published_messages):
    row = dead_sms()

    assert admin_browser.post(f"/staff/notifications/outbox/{row.id}/resend").status_code == 400
    assert published_messages == []


def test_the_outbox_page_pages_newest_first(admin_browser, frozen_clock):
    from datetime import timedelta

    rows = []
    for n in range(55):
        frozen_clock.shift(timedelta(seconds=1))
        rows.append(dead_sms(key=f"k{n}"))

    first = text(admin_browser.get("/staff/notifications/outbox"))
    assert f">{rows[-1].id}</td>" in first and f">{rows[5].id}</td>" in first
    assert f">{rows[4].id}</td>" not in first
    link = first.split('<p><a href="')[1].split('"')[0].replace("&amp;", "&")
    second = text(admin_browser.get(link))
    assert f">{rows[4].id}</td>" in second and f">{rows[0].id}</td>" in second
    assert "Eldre meldinger" not in second


def test_the_letters_page_lists_the_trusts_letters_and_marks_one_sent(admin_browser, trust):
    person = make_person(given_name="Reidun", family_name="Papir")
    letter = record_paper(key="a:1", person_id=person.id, event="notify.new-message",
                          organisation_id=trust.id, actor="test", urgent=False)
    elsewhere = make_organisation(name="Helse Nord", org_number="974749025")
    record_paper(key="a:2", person_id=person.id, event="notify.new-message",
                 organisation_id=elsewhere.id, actor="test", urgent=False)
    db.session.commit()

    page = text(admin_browser.get("/staff/notifications/letters"))

    assert page.count("Reidun Papir") == 1  # the other trust's letter is not theirs
    answer = admin_browser.post(f"/staff/notifications/letters/{letter.id}/sent",
                                data={"csrf_token": csrf(page)})
    assert answer.status_code == 303
    assert db.session.get(Notification, letter.id, populate_existing=True).handled_at
    assert "Det er ingen brev å sende" in text(admin_browser.get(
        "/staff/notifications/letters"))


def test_another_trusts_letter_cannot_be_marked_sent(admin_browser, trust):
    person = make_person()
    elsewhere = make_organisation(name="Helse Nord", org_number="974749025")
    letter = record_paper(key="a:3", person_id=person.id, event="notify.new-message",
                          organisation_id=elsewhere.id, actor="test", urgent=False)
    db.session.commit()
    page = text(admin_browser.get("/staff/notifications/letters"))

    answer = admin_browser.post(f"/staff/notifications/letters/{letter.id}/sent",
                                data={"csrf_token": csrf(page)})

    assert answer.status_code == 404
    assert db.session.get(Notification, letter.id, populate_existing=True).handled_at is None


def test_the_staff_home_offers_both_pages_to_administrators(admin_browser):
    home = text(admin_browser.get("/staff"))

    assert 'href="/staff/notifications/outbox"' in home
    assert 'href="/staff/notifications/letters"' in home


def console(n: int, **fields) -> ConsoleMessage:
    outbox = OutboxMessage(channel="sms", dedupe_key=f"c{n}", payload={}, status="sent")
    db.session.add(outbox)
    db.session.flush()
    row = ConsoleMessage(**{"outbox_message_id": outbox.id, "channel": "sms",
                            "to": "+4791234567", "body": f"Melding {n}", **fields})
    db.session.add(row)
    db.session.commit()
    return row


def test_the_development_page_lists_console_messages_newest_first(client, db):
    for n in range(3):
        console(n)
    console(3, channel="email", subject="Ny melding")

    page = text(client.get("/dev/messages"))

    assert page.index("Melding 3") < page.index("Melding 2") < page.index("Melding 0")
    assert "Ny melding" in page
    assert "+4791234567" in page  # development data: the whole message is the point


def test_there_is_no_development_page_without_dev_features(make_app, db):
    assert make_app(DEV_FEATURES=False).test_client().get("/dev/messages").status_code == 404
