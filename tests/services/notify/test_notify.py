"""notify(): every rule that decides whether, how and when a notice goes, at its boundaries."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.clock import utcnow
from services.notify import krr
from services.notify.events import UnknownEvent, register_event
from services.notify.models import MuteRule, Notification, Outcome, SmsOptOut
from services.notify.service import InvalidMute, lift_mute, notify, set_mute
from services.notify.settings import update_settings
from services.outbox.models import OutboxMessage
from services.people.service import NotFound, national_id_of
from tests.plugins.db import table_rows
from tests.services.notify.helpers import oslo, person_with, trust_and_unit
from tests.standins.krr import KrrServer

SERVICE = Actor.system("hospital-record-system")
NEW = "notify.new-message"
NB_TEXT = ("Du har fått en ny melding fra St. Olavs hospital. "
           "Logg inn på helsenorge.no for å lese den.")


@pytest.fixture(autouse=True)
def _rules(notify_rules, frozen_clock):
    """Monday 2 March 2026, 09:00 in Oslo; no quiet hours unless a test sets them."""


@pytest.fixture
def unit(db):
    return trust_and_unit()[1]


@pytest.fixture
def krr_server(app):
    with KrrServer() as server:
        krr.configure_krr(url=server.url)
        yield server


def _notify(person, key="appointment:42:reminder-48h", event=NEW, **kwargs):
    kwargs.setdefault("context", {})
    return notify(person_id=person.id, event=event, actor=SERVICE, key=key, **kwargs)


def _settings(person, **changes):
    update_settings(person_id=person.id, actor=Actor.person(person.id), **changes)


def _decisions(rows):
    return [(n.channel, n.outcome) for n in rows]


# -- the ordinary case -------------------------------------------------------------------

def test_an_sms_is_queued_naming_the_trust_not_the_unit(db, unit, published_messages):
    person = person_with()
    [decided] = _notify(person, organisation_id=unit.id, context={"unit": "Kvinneklinikken"})
    assert (decided.channel, decided.outcome, decided.send_at) == ("sms", Outcome.QUEUED,
                                                                  utcnow())
    assert decided.dedupe_key == "appointment:42:reminder-48h:sms"
    assert decided.actor == "system:hospital-record-system"
    message = db.session.get(OutboxMessage, decided.outbox_message_id)
    assert message.channel == "sms" and message.dedupe_key == decided.dedupe_key
    assert message.payload == {"person_id": person.id, "body": NB_TEXT}
    assert published_messages == []  # not before the commit
    db.session.commit()
    assert published_messages == [message.id]


def test_the_same_key_twice_is_the_same_rows_and_one_message(db, published_messages):
    person = person_with()
    first = _notify(person)
    db.session.commit()
    _settings(person, channels="both", email="kari@example.no")  # changes nothing now
    again = _notify(person)
    db.session.commit()
    assert [n.id for n in again] == [n.id for n in first]
    assert len(table_rows(OutboxMessage)) == 1 and len(published_messages) == 1


def test_another_key_is_another_message(db):
    person = person_with()
    _notify(person, key="a:1")
    _notify(person, key="a:2")
    assert len(table_rows(OutboxMessage)) == 2


def test_an_unknown_event_or_person_or_key_is_refused(db):
    person = person_with()
    with pytest.raises(UnknownEvent):
        _notify(person, event="wound.nonexistent")
    with pytest.raises(NotFound):
        notify(person_id=999_999, event=NEW, context={}, actor=SERVICE, key="k")
    with pytest.raises(ValueError, match="key"):
        _notify(person, key="")
    with pytest.raises(ValueError, match="key"):
        _notify(person, key="k" * 195)
    assert len(_notify(person, key="k" * 194)) == 1
    assert table_rows(OutboxMessage)[0].dedupe_key == "k" * 194 + ":sms"


def test_a_sensitive_sender_is_not_named(db, unit):
    unit.parent.name_is_sensitive = True
    person = person_with()
    [decided] = _notify(person, organisation_id=unit.id)
    assert db.session.get(OutboxMessage, decided.outbox_message_id).payload["body"] == (
        "Du har fått en ny melding. Logg inn på helsenorge.no for å lese den.")


# -- language ----------------------------------------------------------------------------

@pytest.mark.parametrize(("chosen", "record", "expected"), [
    (None, "nb", "Du har fått en ny melding."),
    (None, "nn", "Du har fått ei ny melding."),
    (None, "en", "You have a new message."),
    (None, "xx", "Du har fått en ny melding."),
    ("en", "nn", "You have a new message."),
    ("nn", "en", "Du har fått ei ny melding."),
])
def test_her_language_then_the_records_then_bokmal(db, chosen, record, expected):
    person = person_with(language=record)
    if chosen:
        _settings(person, language=chosen)
    [decided] = _notify(person)
    body = db.session.get(OutboxMessage, decided.outbox_message_id).payload["body"]
    assert body.startswith(expected)


def test_an_email_is_rendered_in_her_language(db, unit):
    person = person_with(mobile=None, email="kari@example.no", language="en")
    [decided] = _notify(person, organisation_id=unit.id)
    payload = db.session.get(OutboxMessage, decided.outbox_message_id).payload
    assert payload["person_id"] == person.id and "to" not in payload
    assert payload["subject"] == "New message from St. Olavs hospital"
    assert "Log in at helsenorge.no" in payload["text"]
    assert '<html lang="en">' in payload["html"]


# -- channels ----------------------------------------------------------------------------

@pytest.mark.parametrize(("choice", "mobile", "email", "expected"), [
    ("sms", "+4791234567", "kari@example.no", ["sms"]),
    ("email", "+4791234567", "kari@example.no", ["email"]),
    ("both", "+4791234567", "kari@example.no", ["sms", "email"]),
    ("sms", None, "kari@example.no", ["email"]),      # falls back to the other
    ("email", "+4791234567", None, ["sms"]),
    ("both", None, "kari@example.no", ["email"]),
    ("both", "+4791234567", None, ["sms"]),
    ("sms", "12345", "kari@example.no", ["email"]),   # an invalid number is no number
    ("email", "+4791234567", "not-an-address", ["sms"]),
])
def test_her_channel_or_the_other_when_hers_has_no_address(db, choice, mobile, email,
                                                          expected):
    person = person_with(mobile=mobile, email=email)
    _settings(person, channels=choice)
    decided = _notify(person)
    assert _decisions(decided) == [(c, Outcome.QUEUED) for c in expected]
    assert [m.channel for m in table_rows(OutboxMessage)] == expected


def test_the_payload_carries_no_address_the_channel_looks_it_up(db, fake_transport):
    from services.outbox.tasks import deliver

    person = person_with(mobile="+4791234567")
    _settings(person, mobile="+4799999999")
    [decided] = _notify(person)
    assert set(table_rows(OutboxMessage)[0].payload) == {"person_id", "body"}
    db.session.commit()
    deliver.run(decided.outbox_message_id)
    assert [s.to for s in fake_transport.sent] == ["+4799999999"]  # hers, not the hospital's


def test_no_address_anywhere_is_a_letter(db):
    person = person_with(mobile=None, email=None)
    decided = _notify(person)
    assert _decisions(decided) == [("paper", Outcome.PAPER)]
    assert decided[0].dedupe_key == "appointment:42:reminder-48h:paper"
    assert table_rows(OutboxMessage) == []
    assert _notify(person) == decided


def test_a_number_that_said_stop_falls_back_to_email(db):
    person = person_with(mobile="912 34 567", email="kari@example.no")
    db.session.add(SmsOptOut(phone="+4791234567"))
    assert _decisions(_notify(person)) == [("email", Outcome.QUEUED)]


def test_a_number_that_said_stop_and_nothing_else_is_opted_out(db):
    person = person_with(mobile="+4791234567")
    db.session.add(SmsOptOut(phone="+4791234567"))
    assert _decisions(_notify(person)) == [("sms", Outcome.OPTED_OUT)]
    assert table_rows(OutboxMessage) == []


# -- KRR ---------------------------------------------------------------------------------

def test_reserved_in_krr_is_a_letter_whatever_she_told_us(db, krr_server):
    person = person_with(email="kari@example.no")
    _settings(person, channels="both", mobile="+4799999999")
    krr_server.add(national_id_of(person), reserved=True)
    decided = _notify(person)
    assert _decisions(decided) == [("paper", Outcome.PAPER)]
    assert table_rows(OutboxMessage) == []


def test_krr_fills_in_what_nobody_else_knows(db, krr_server):
    person = person_with(mobile=None)
    krr_server.add(national_id_of(person), email="kari@example.no")
    assert _decisions(_notify(person)) == [("email", Outcome.QUEUED)]


def test_krr_down_decides_on_what_we_know(db, krr_server):
    person = person_with(mobile="+4791234567")
    krr_server.fail_next.append(503)
    assert _decisions(_notify(person)) == [("sms", Outcome.QUEUED)]


def test_krr_down_and_no_address_queues_for_the_channel_to_look_again(db, krr_server):
    person = person_with(mobile=None)
    krr_server.fail_next.append(503)
    assert _decisions(_notify(person)) == [("sms", Outcome.QUEUED)]


# -- essential and non-essential -----------------------------------------------------------

@pytest.fixture
def newsletter():
    return register_event("notify.new-message", essential=False)  # same templates


def test_non_essential_goes_by_default(db, newsletter):
    assert _decisions(_notify(person_with())) == [("sms", Outcome.QUEUED)]


def test_non_essential_is_not_sent_to_someone_who_opted_out(db, newsletter):
    person = person_with()
    _settings(person, channels="both", email="kari@example.no", non_essential=False)
    assert _decisions(_notify(person)) == [("sms", Outcome.OPTED_OUT),
                                           ("email", Outcome.OPTED_OUT)]
    assert table_rows(OutboxMessage) == []


def test_essential_goes_to_someone_who_opted_out_of_the_rest(db):
    person = person_with()
    _settings(person, non_essential=False)
    assert _decisions(_notify(person)) == [("sms", Outcome.QUEUED)]


# -- mute rules --------------------------------------------------------------------------

def _mute(person, rule, until=None):
    return set_mute(person_id=person.id, event=rule, reason="readmitted", actor=SERVICE,
                    until=until)


@pytest.mark.parametrize("rule", ["notify.new-message", "notify.*"])
def test_a_mute_silences_the_event_or_its_prefix(db, rule):
    person = person_with()
    _mute(person, rule)
    assert _decisions(_notify(person)) == [("sms", Outcome.MUTED)]
    assert _decisions(_notify(person, urgent=True, key="k2")) == [("sms", Outcome.MUTED)]
    assert table_rows(OutboxMessage) == []


def test_a_mute_of_another_event_does_not(db):
    person = person_with()
    _mute(person, "notify.new-message-other")
    _mute(person, "wound.*")
    assert _decisions(_notify(person)) == [("sms", Outcome.QUEUED)]


def test_a_mute_of_someone_else_does_not(db):
    person, other = person_with(), person_with()
    _mute(other, "notify.*")
    assert _decisions(_notify(person)) == [("sms", Outcome.QUEUED)]


def test_a_mute_holds_until_its_end_and_not_at_it(db):
    person = person_with()
    _mute(person, NEW, until=utcnow() + timedelta(microseconds=1))
    assert _decisions(_notify(person, key="k1")) == [("sms", Outcome.MUTED)]
    _mute(person, NEW, until=utcnow())
    assert _decisions(_notify(person, key="k2")) == [("sms", Outcome.QUEUED)]
    assert len(table_rows(MuteRule)) == 1  # set again: replaced


def test_a_lifted_mute_no_longer_holds(db):
    person = person_with()
    _mute(person, NEW)
    assert lift_mute(person_id=person.id, event=NEW, actor=SERVICE) is True
    assert lift_mute(person_id=person.id, event=NEW, actor=SERVICE) is False
    assert _decisions(_notify(person)) == [("sms", Outcome.QUEUED)]


@pytest.mark.parametrize("rule", ["*", ".*", "", "notify*"])
def test_a_mute_must_name_an_event_or_a_prefix(db, rule):
    with pytest.raises(InvalidMute):
        _mute(person_with(), rule)


def test_a_mute_for_nobody_is_refused(db):
    with pytest.raises(NotFound):
        set_mute(person_id=999_999, event=NEW, reason="x", actor=SERVICE)


def test_mutes_are_audited(db):
    from services.audit.models import AuditEvent

    person = person_with()
    _mute(person, NEW)
    lift_mute(person_id=person.id, event=NEW, actor=SERVICE)
    assert [(e.action, e.resource_type, e.subject_person_id) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.resource_type == "NotificationMute")
        .order_by(AuditEvent.id))] == [("update", "NotificationMute", person.id),
                                        ("delete", "NotificationMute", person.id)]


# -- the daily cap -----------------------------------------------------------------------
# (of the non-essential: ``newsletter`` makes the test event one)

def _send_many(person, count, *, prefix="m", **kwargs):
    return [_notify(person, key=f"{prefix}:{i}", **kwargs)[0] for i in range(count)]


@pytest.mark.parametrize(("already", "outcome"), [(1, Outcome.QUEUED), (2, Outcome.QUEUED),
                                                   (3, Outcome.CAPPED), (4, Outcome.CAPPED)])
def test_the_cap_at_n_minus_one_n_and_n_plus_one(db, newsletter, notify_rules, already, outcome):
    notify_rules(daily_cap=3)
    person = person_with()
    _send_many(person, already)
    [last] = _notify(person, key="last")
    expected_sent = min(already, 3) + (outcome is Outcome.QUEUED)
    assert last.outcome is outcome
    assert len(table_rows(OutboxMessage)) == expected_sent


def test_urgent_is_never_capped_and_counts(db, newsletter, notify_rules):
    notify_rules(daily_cap=2)
    person = person_with()
    _send_many(person, 2, urgent=True)
    assert _notify(person, key="urgent", urgent=True)[0].outcome is Outcome.QUEUED
    assert _notify(person, key="ordinary")[0].outcome is Outcome.CAPPED


def test_essential_is_never_capped_and_counts(db, newsletter, notify_rules):
    notify_rules(daily_cap=2)
    person = person_with()
    _send_many(person, 2)
    [invitation] = _notify(person, key="invitation", event="wound.questionnaire-open")
    assert invitation.outcome is Outcome.QUEUED
    assert _notify(person, key="ordinary")[0].outcome is Outcome.CAPPED


def test_the_cap_is_per_channel(db, newsletter, notify_rules):
    notify_rules(daily_cap=1)
    person = person_with(email="kari@example.no")
    _notify(person, key="first")
    _settings(person, channels="email")
    assert _notify(person, key="second")[0].outcome is Outcome.QUEUED


def test_what_was_not_sent_does_not_count(db, newsletter, notify_rules):
    notify_rules(daily_cap=1)
    person = person_with()
    _mute(person, NEW)
    _send_many(person, 3)
    lift_mute(person_id=person.id, event=NEW, actor=SERVICE)
    assert _notify(person, key="now")[0].outcome is Outcome.QUEUED


def test_the_cap_is_per_oslo_day(db, newsletter, notify_rules, frozen_clock):
    notify_rules(daily_cap=1)
    person = person_with()
    frozen_clock.move_to(oslo(2026, 3, 2, 23, 59))
    _notify(person, key="before-midnight")
    frozen_clock.move_to(oslo(2026, 3, 3, 0, 0))
    assert _notify(person, key="after-midnight")[0].outcome is Outcome.QUEUED
    assert _notify(person, key="again")[0].outcome is Outcome.CAPPED


def test_a_deferred_message_counts_on_the_day_it_leaves(db, newsletter, notify_rules, frozen_clock):
    notify_rules(quiet_hours="21:00-08:00", daily_cap=1)
    person = person_with()
    frozen_clock.move_to(oslo(2026, 3, 2, 22, 0))
    assert _notify(person, key="evening")[0].outcome is Outcome.DEFERRED  # leaves on the 3rd
    frozen_clock.move_to(oslo(2026, 3, 3, 9, 0))
    assert _notify(person, key="morning")[0].outcome is Outcome.CAPPED


# -- quiet hours -------------------------------------------------------------------------

@pytest.fixture
def night(notify_rules):
    notify_rules(quiet_hours="21:00-08:00")


def test_the_last_minute_before_quiet_hours_goes_now(db, night, frozen_clock,
                                                     published_messages):
    frozen_clock.move_to(oslo(2026, 3, 2, 20, 59, 59))
    [decided] = _notify(person_with())
    db.session.commit()
    assert decided.outcome is Outcome.QUEUED and len(published_messages) == 1


def test_the_first_quiet_minute_waits_until_eight(db, night, frozen_clock,
                                                  published_messages):
    frozen_clock.move_to(oslo(2026, 3, 2, 21, 0))
    [decided] = _notify(person_with())
    db.session.commit()
    assert decided.outcome is Outcome.DEFERRED
    assert decided.send_at == oslo(2026, 3, 3, 8, 0)
    message = db.session.get(OutboxMessage, decided.outbox_message_id)
    assert message.next_attempt_at == oslo(2026, 3, 3, 8, 0)
    assert published_messages == []  # the sweep hands it out at eight


def test_the_end_of_quiet_hours_goes_now(db, night, frozen_clock):
    frozen_clock.move_to(oslo(2026, 3, 3, 8, 0))
    assert _notify(person_with())[0].outcome is Outcome.QUEUED


def test_urgent_is_never_deferred(db, night, frozen_clock, published_messages):
    frozen_clock.move_to(oslo(2026, 3, 2, 23, 30))
    [decided] = _notify(person_with(), urgent=True)
    db.session.commit()
    assert (decided.outcome, decided.send_at, decided.urgent) == (Outcome.QUEUED, utcnow(),
                                                                 True)
    assert len(published_messages) == 1


def test_a_deferred_message_leaves_with_the_sweep_at_the_end(db, night, frozen_clock,
                                                             published_messages):
    from services import jobs

    frozen_clock.move_to(oslo(2026, 3, 28, 22, 0))  # the night clocks go forward
    [decided] = _notify(person_with())
    db.session.commit()
    assert decided.send_at == oslo(2026, 3, 29, 8, 0)
    frozen_clock.move_to(oslo(2026, 3, 29, 7, 59))
    jobs.run_due(only="outbox.sweep")
    db.session.commit()
    assert published_messages == []
    frozen_clock.move_to(oslo(2026, 3, 29, 8, 0))
    jobs.run_due(only="outbox.sweep")
    db.session.commit()
    assert published_messages == [decided.outbox_message_id]


def test_every_decision_is_kept(db):
    person = person_with()
    _notify(person)
    assert [(n.person_id, n.event) for n in table_rows(Notification)] == [(person.id, NEW)]
