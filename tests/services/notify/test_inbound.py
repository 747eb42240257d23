"""What Twilio tells us: statuses move forward only; keywords, help and conversations."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.audit.models import AuditEvent
from services.clock import utcnow
from services.notify import inbound
from services.notify.inbound import (
    NEUTRAL_REPLY,
    REPLIES,
    STATUS_STEPS,
    Waiting,
    apply_status,
    close_conversation,
    close_conversations,
    handle_inbound,
    open_conversation,
    open_conversations,
    reply_handler,
)
from services.notify.models import Conversation, NotificationSettings, SmsOptOut, SmsStatus
from services.outbox import enqueue
from tests.plugins.db import table_rows
from tests.plugins.factories import make_person

PHONE = "+4791234567"
OTHER = "+4798765432"


def _sms(sid: str, status: str = "queued") -> SmsStatus:
    message = enqueue(channel="sms", payload={"to": PHONE, "body": "x"}, dedupe_key=sid)
    row = SmsStatus(outbox_message_id=message.id, sid=sid, status=status)
    from services.db import db

    db.session.add(row)
    db.session.flush()
    return row


def _status_of(sid: str) -> tuple[str, str | None]:
    from services.db import db

    row = db.session.execute(sa.select(SmsStatus.status, SmsStatus.error_code)
                             .where(SmsStatus.sid == sid)).one()
    return row.status, row.error_code


# -- statuses ----------------------------------------------------------------------------

def test_the_lifecycle_moves_forward_step_by_step(db):
    _sms("SM1")
    for status in ("sending", "sent", "delivered", "read"):
        assert apply_status(sid="SM1", status=status) is True
        assert _status_of("SM1") == (status, None)


def test_every_pair_of_statuses_moves_only_forward(db):
    """Each status against each: it moves exactly when its step is later."""
    wrong = []
    for n, (current, now_at) in enumerate(STATUS_STEPS.items()):
        for m, (new, new_at) in enumerate(STATUS_STEPS.items()):
            sid = f"SM-{n}-{m}"
            _sms(sid, current)
            moved = apply_status(sid=sid, status=new)
            expected = new_at > now_at
            if moved is not expected or _status_of(sid)[0] != (new if expected else current):
                wrong.append((current, new, moved))
    assert wrong == []


def _as_before(*, sid: str, status: str, error_code: str | None = None) -> bool:
    """apply_status as it was written before its UPDATE was compiled once: through the
    ORM, with the earlier steps' names as an IN list."""
    from services.db import db

    step = STATUS_STEPS.get(status)
    if step is None:
        return False
    earlier = [name for name, at in STATUS_STEPS.items() if at < step]
    return db.session.execute(
        sa.update(SmsStatus)
        .where(SmsStatus.sid == sid, SmsStatus.status.in_(earlier))
        .values(status=status, error_code=error_code, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def test_the_compiled_update_does_what_the_orm_update_did(db, frozen_clock):
    """On SQLite through SQLAlchemy, on PostgreSQL on the driver's cursor: for every stored
    status (and one outside the lifecycle) and every new one (and one outside it), the
    same answer and the same row, its time stored as UTC."""
    from services.db import db

    stored = [*STATUS_STEPS, "received"]
    new = [*STATUS_STEPS, "bogus"]
    differ = []
    for n, current in enumerate(stored):
        for m in range(len(new)):
            _sms(f"SM-old-{n}-{m}", current)
            _sms(f"SM-new-{n}-{m}", current)
    frozen_clock.shift(timedelta(minutes=5))
    for n, current in enumerate(stored):
        for m, status in enumerate(new):
            before = _as_before(sid=f"SM-old-{n}-{m}", status=status, error_code="30003")
            after = apply_status(sid=f"SM-new-{n}-{m}", status=status, error_code="30003")
            if before is not after:
                differ.append((current, status, before, after))
    db.session.expire_all()
    rows = {row.sid: (row.status, row.error_code, row.updated_at)
            for row in db.session.scalars(sa.select(SmsStatus))}
    for n, current in enumerate(stored):
        for m, status in enumerate(new):
            if rows[f"SM-old-{n}-{m}"] != rows[f"SM-new-{n}-{m}"]:
                differ.append((current, status, rows[f"SM-old-{n}-{m}"],
                               rows[f"SM-new-{n}-{m}"]))
    assert differ == []
    moved = rows[f"SM-new-{stored.index('accepted')}-{new.index('delivered')}"]
    assert moved == ("delivered", "30003", utcnow())
    assert moved[2].tzinfo is not None and moved[2].utcoffset() == timedelta(0)


def test_a_stored_status_outside_the_lifecycle_never_moves(db):
    _sms("SM1", "received")
    assert apply_status(sid="SM1", status="read") is False
    assert _status_of("SM1") == ("received", None)


def test_a_late_sent_never_overwrites_delivered(db):
    _sms("SM1", "sending")
    assert apply_status(sid="SM1", status="delivered") is True
    assert apply_status(sid="SM1", status="sent") is False
    assert _status_of("SM1") == ("delivered", None)


def test_a_duplicate_callback_changes_nothing(db):
    _sms("SM1")
    assert apply_status(sid="SM1", status="undelivered", error_code="30003") is True
    assert apply_status(sid="SM1", status="undelivered", error_code="30003") is False
    assert apply_status(sid="SM1", status="failed", error_code="30008") is False
    assert _status_of("SM1") == ("undelivered", "30003")


def test_a_failure_keeps_twilios_error_code(db):
    _sms("SM1", "sent")
    assert apply_status(sid="SM1", status="failed", error_code="30005") is True
    assert _status_of("SM1") == ("failed", "30005")


def test_an_unknown_sid_stores_nothing(db):
    _sms("SM1")
    assert apply_status(sid="SM-unknown", status="delivered") is False
    assert [(r.sid, r.status) for r in table_rows(SmsStatus)] == [("SM1", "queued")]


@pytest.mark.parametrize("status", ["received", "receiving", "DELIVERED", "bogus", ""])
def test_statuses_outside_the_outbound_lifecycle_change_nothing(db, status):
    _sms("SM1")
    assert apply_status(sid="SM1", status=status) is False
    assert _status_of("SM1") == ("queued", None)


# -- keywords ----------------------------------------------------------------------------

def _opted_out() -> list[str]:
    return [row.phone for row in table_rows(SmsOptOut)]


def _opt_out_audit() -> list[tuple]:
    return [(e.actor_kind, e.actor_id, e.action, e.resource_id, e.subject_person_id, e.reason)
            for e in table_rows(AuditEvent) if e.resource_type == "SmsOptOut"]


@pytest.mark.parametrize("body", ["STOP", "stop", " Stopp\n", "STOPP", "avslutt", "AVSLUTT",
                                  "STOPALL", "unsubscribe", "End", "QUIT", "revoke", "OPTOUT",
                                  "cancel", "\tStOp  "])
def test_an_opt_out_word_opts_the_number_out(db, body):
    assert handle_inbound(from_=PHONE, body=body) == REPLIES["nb"]["stopped"]
    assert _opted_out() == [PHONE]


@pytest.mark.parametrize("body", ["STOP please", "S T O P", "STOP!", "stopp nå", "", "NEI",
                                  "ja"])
def test_only_the_exact_word_counts(db, body):
    assert handle_inbound(from_=PHONE, body=body) == NEUTRAL_REPLY
    assert _opted_out() == []


def test_the_opt_out_is_audited_once_for_each_person_with_the_number(db):
    mother = make_person()
    mother.mobile = PHONE
    child = make_person()
    from services.db import db as _db

    _db.session.add(NotificationSettings(person_id=child.id, mobile=PHONE))
    make_person().mobile = OTHER
    handle_inbound(from_=PHONE, body="STOPP")
    handle_inbound(from_=PHONE, body="STOP")  # already out: nothing changes, nothing audited
    reason = "opted out of SMS by sending STOPP"
    assert _opt_out_audit() == [
        ("system", "sms-inbound", "update", PHONE, mother.id, reason),
        ("system", "sms-inbound", "update", PHONE, child.id, reason),
    ]
    assert _opted_out() == [PHONE]


def test_an_unknown_numbers_opt_out_is_audited_without_a_subject(db):
    handle_inbound(from_=PHONE, body="stop")
    assert _opt_out_audit() == [("system", "sms-inbound", "update", PHONE, None,
                                 "opted out of SMS by sending stop")]


@pytest.mark.parametrize("body", ["START", "start", " Yes ", "UNSTOP"])
def test_an_opt_in_word_opts_the_number_back_in(db, body):
    handle_inbound(from_=PHONE, body="STOP")
    handle_inbound(from_=OTHER, body="STOP")
    assert handle_inbound(from_=PHONE, body=body) == REPLIES["nb"]["started"]
    assert _opted_out() == [OTHER]
    assert _opt_out_audit()[-1][3:] == (PHONE, None, f"opted in to SMS again by sending "
                                                     f"{body.strip()}")


def test_start_without_an_opt_out_changes_nothing(db):
    assert handle_inbound(from_=PHONE, body="START") == REPLIES["nb"]["started"]
    assert _opt_out_audit() == []


@pytest.mark.parametrize("body", ["HELP", "help", " Hjelp ", "HJELP", "info"])
def test_help_gets_the_help_text_and_stores_nothing(db, body):
    assert handle_inbound(from_=PHONE, body=body) == REPLIES["nb"]["help"]
    assert _opted_out() == [] and _opt_out_audit() == []


@pytest.mark.parametrize("opt_out_type, expected", [("STOP", "stopped"), ("START", "started"),
                                                    ("HELP", "help")])
def test_twilios_opt_out_type_decides_over_the_words(db, opt_out_type, expected):
    """A Messaging Service with Advanced Opt-Out may know keywords of its own."""
    if opt_out_type == "START":
        handle_inbound(from_=PHONE, body="STOP")
    reply = handle_inbound(from_=PHONE, body="Nei takk", opt_out_type=opt_out_type)
    assert reply == REPLIES["nb"][expected]
    assert _opted_out() == ([PHONE] if opt_out_type == "STOP" else [])


@pytest.mark.parametrize("record, settings, expected", [
    ("en", None, "en"),
    ("nn", None, "nn"),
    ("nb", "en", "en"),  # her own choice wins over the record
    ("en", "nn", "nn"),
])
def test_keyword_answers_speak_the_owners_language(db, record, settings, expected):
    person = make_person()
    person.mobile, person.language = PHONE, record
    if settings:
        from services.db import db as _db

        _db.session.add(NotificationSettings(person_id=person.id, language=settings))
    assert handle_inbound(from_=PHONE, body="STOP") == REPLIES[expected]["stopped"]
    assert handle_inbound(from_=PHONE, body="START") == REPLIES[expected]["started"]
    assert handle_inbound(from_=PHONE, body="HELP") == REPLIES[expected]["help"]


def test_a_number_shared_by_people_of_different_languages_gets_nb(db):
    for language in ("en", "nn"):
        person = make_person()
        person.mobile, person.language = PHONE, language
    assert handle_inbound(from_=PHONE, body="HELP") == REPLIES["nb"]["help"]


def test_the_neutral_answer_does_not_tell_whether_the_number_is_known(db):
    person = make_person()
    person.mobile, person.language = PHONE, "en"
    assert handle_inbound(from_=PHONE, body="Hei") == NEUTRAL_REPLY
    assert handle_inbound(from_=OTHER, body="Hei") == NEUTRAL_REPLY


@pytest.mark.parametrize("sender", ["Telenor", "2222", "+047123", "004791234567", ""])
def test_a_sender_that_is_not_a_phone_number_changes_nothing(db, sender):
    assert handle_inbound(from_=sender, body="STOP") == NEUTRAL_REPLY
    assert _opted_out() == [] and _opt_out_audit() == []


def test_every_language_has_every_answer():
    keys = {"stopped", "started", "help"}
    assert all(keys <= set(texts) for texts in REPLIES.values())
    assert set(REPLIES) == {"nb", "nn", "en"}


# -- conversations -----------------------------------------------------------------------

@pytest.fixture
def replies():
    """A registered handler for ``test.confirm`` that records what it was given."""
    received = []

    @reply_handler("test.confirm")
    def confirm(*, conversation, body, now):
        received.append((conversation.id, conversation.ref, body, now))
        return f"Takk, {conversation.ref}"

    return received


def _open(person, *, phone=PHONE, ref="appointment:1", minutes=60, kind="test.confirm"):
    return open_conversation(person_id=person.id, phone=phone, kind=kind, ref=ref,
                             expires_at=utcnow() + timedelta(minutes=minutes))


def test_a_reply_goes_to_the_handler_of_the_open_conversation(db, replies, frozen_clock):
    person = make_person()
    conversation = _open(person)
    assert handle_inbound(from_=PHONE, body=" JA ") == "Takk, appointment:1"
    assert replies == [(conversation.id, "appointment:1", " JA ", utcnow())]


def test_the_newest_open_conversation_wins(db, replies, frozen_clock):
    person = make_person()
    _open(person, ref="appointment:1")
    frozen_clock.shift(timedelta(minutes=1))
    _open(person, ref="appointment:2")
    assert handle_inbound(from_=PHONE, body="JA") == "Takk, appointment:2"


def test_an_expired_conversation_gets_the_neutral_answer(db, replies, frozen_clock):
    person = make_person()
    _open(person, minutes=10)
    frozen_clock.shift(timedelta(minutes=10) - timedelta(microseconds=1))
    assert handle_inbound(from_=PHONE, body="JA") == "Takk, appointment:1"
    frozen_clock.shift(timedelta(microseconds=1))  # expires_at itself is past the end
    assert handle_inbound(from_=PHONE, body="JA") == NEUTRAL_REPLY
    assert len(replies) == 1


def test_a_reply_from_another_number_gets_the_neutral_answer(db, replies):
    person = make_person()
    _open(person, phone=PHONE)
    assert handle_inbound(from_=OTHER, body="JA") == NEUTRAL_REPLY
    assert replies == []


def test_a_closed_conversation_gets_the_neutral_answer(db, replies):
    person = make_person()
    _open(person, ref="appointment:1")
    _open(person, ref="appointment:1")
    _open(person, ref="appointment:2", phone=OTHER)
    assert close_conversation(kind="test.confirm", ref="appointment:1") == 2
    assert close_conversation(kind="test.confirm", ref="appointment:1") == 0
    assert handle_inbound(from_=PHONE, body="JA") == NEUTRAL_REPLY
    assert handle_inbound(from_=OTHER, body="JA") == "Takk, appointment:2"


def test_keywords_win_over_an_open_conversation(db, replies):
    person = make_person()
    _open(person)
    assert handle_inbound(from_=PHONE, body="STOPP") == REPLIES["nb"]["stopped"]
    assert handle_inbound(from_=PHONE, body="hjelp") == REPLIES["nb"]["help"]
    assert replies == []


def test_a_conversation_whose_handler_is_gone_gets_the_neutral_answer(db, replies):
    person = make_person()
    _open(person)
    del inbound._reply_handlers["test.confirm"]  # restored after the test
    assert handle_inbound(from_=PHONE, body="JA") == NEUTRAL_REPLY


def test_an_unknown_sender_gets_the_neutral_answer_and_nothing_is_stored(db, replies):
    assert handle_inbound(from_=PHONE, body="Hva er prøvesvaret mitt?") == NEUTRAL_REPLY
    assert table_rows(SmsOptOut) == [] and table_rows(Conversation) == []
    assert table_rows(AuditEvent) == []
    assert replies == []


@pytest.mark.parametrize("change, problem", [
    ({"kind": "test.nobody-listens"}, "no reply handler"),
    ({"phone": "91234567"}, "E.164"),
    ({"minutes": 0}, "future"),
])
def test_a_conversation_needs_a_handler_a_number_and_a_future_expiry(db, replies, frozen_clock,
                                                                     change, problem):
    person = make_person()
    with pytest.raises(ValueError, match=problem):
        _open(person, **change)
    assert table_rows(Conversation) == []


@pytest.mark.parametrize("change, problem", [
    ({"kind": "test.nobody-listens"}, "no reply handler"),
    ({"phone": "91234567"}, "E.164"),
    ({"minutes": 0}, "future"),
])
def test_a_batch_of_conversations_is_held_to_the_same_and_opens_none_if_one_is_refused(
        db, replies, frozen_clock, change, problem):
    person = make_person()
    good = Waiting(person_id=person.id, phone=PHONE, ref="appointment:1",
                   expires_at=utcnow() + timedelta(minutes=60))
    bad = Waiting(person_id=person.id, phone=change.get("phone", OTHER), ref="appointment:2",
                  expires_at=utcnow() + timedelta(minutes=change.get("minutes", 60)))
    with pytest.raises(ValueError, match=problem):
        open_conversations(kind=change.get("kind", "test.confirm"), waiting=[good, bad])
    assert table_rows(Conversation) == []


def test_a_batch_opens_and_closes_conversations_as_one_at_a_time_does(db, replies,
                                                                       frozen_clock):
    person = make_person()
    later = utcnow() + timedelta(minutes=60)
    open_conversations(kind="test.confirm", waiting=[
        Waiting(person_id=person.id, phone=PHONE, ref="appointment:1", expires_at=later),
        Waiting(person_id=person.id, phone=OTHER, ref="appointment:2", expires_at=later)])
    _open(person, ref="appointment:3", phone=OTHER, minutes=120)
    assert [(c.person_id, c.phone, c.kind, c.ref, c.opened_at, c.expires_at, c.closed_at)
            for c in table_rows(Conversation)[:2]] == [
        (person.id, PHONE, "test.confirm", "appointment:1", utcnow(), later, None),
        (person.id, OTHER, "test.confirm", "appointment:2", utcnow(), later, None)]
    assert handle_inbound(from_=PHONE, body="JA") == "Takk, appointment:1"
    assert close_conversations(kind="test.other", refs=["appointment:1"]) == 0
    assert close_conversations(kind="test.confirm", refs=[]) == 0
    assert close_conversations(kind="test.confirm", refs=["appointment:1", "appointment:3"]) == 2
    assert handle_inbound(from_=PHONE, body="JA") == NEUTRAL_REPLY
    assert handle_inbound(from_=OTHER, body="JA") == "Takk, appointment:2"
