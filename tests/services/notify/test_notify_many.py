"""notify_many(): a batch is decided as the same requests one after the other by notify(),
and what it reads does not grow with the batch."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.db import db
from services.notify import krr, service
from services.notify.events import UnknownEvent, register_event
from services.notify.models import (
    ChannelChoice,
    Notification,
    NotificationSettings,
    Outcome,
    SmsOptOut,
)
from services.notify.service import Request, notify, notify_many, set_mute
from services.notify.settings import update_settings
from services.outbox.models import OutboxMessage
from services.people.service import NotFound, national_id_of
from tests.plugins.db import statements_run, table_rows
from tests.services.notify.helpers import oslo, person_with, trust_and_unit
from tests.standins.krr import KrrServer

SERVICE = Actor.system("hospital-record-system")
NEW = "notify.new-message"
INVITATION = "wound.questionnaire-open"  # essential: never capped


@pytest.fixture(autouse=True)
def _rules(notify_rules, frozen_clock):
    """Monday 2 March 2026, 09:00 in Oslo; no quiet hours, a cap of 2."""
    notify_rules(daily_cap=2)


@pytest.fixture
def newsletter():
    """``notify.new-message`` made non-essential (same templates): the cap holds it."""
    return register_event(NEW, essential=False)


def _settings(person, **changes):
    update_settings(person_id=person.id, actor=Actor.person(person.id), **changes)


def _people():
    """Everyone a rule treats differently, by what she is."""
    unit = trust_and_unit()[1]
    people = {name: person_with(mobile="+4741234567")
              for name in ("ordinary", "capped", "muted", "both", "english")}
    people["stopped"] = person_with(mobile="+4791234567")
    people["stopped-with-email"] = person_with(mobile="+4791234567", email="kari@example.no")
    people["no-mobile"] = person_with(mobile=None, email="kari@example.no")
    people["no-address"] = person_with(mobile=None)
    people["english"].language = "en"
    db.session.add(SmsOptOut(phone="+4791234567"))
    set_mute(person_id=people["muted"].id, event="notify.*", reason="readmitted",
             actor=SERVICE)
    _settings(people["both"], channels="both", email="ola@example.no")
    _settings(people["english"], non_essential=False)  # essential ones still go
    db.session.commit()
    return people, unit


def _requests(people, unit):
    p = {name: person.id for name, person in people.items()}
    return [
        Request(person_id=p["ordinary"], event=NEW, key="a:1", organisation_id=unit.id),
        Request(person_id=p["capped"], event=NEW, key="c:1"),
        Request(person_id=p["capped"], event=INVITATION, key="c:2"),  # counts, not capped
        Request(person_id=p["capped"], event=NEW, key="c:3"),         # the cap: capped
        Request(person_id=p["capped"], event=NEW, key="c:4", urgent=True),  # never capped
        Request(person_id=p["muted"], event=NEW, key="m:1", urgent=True),
        Request(person_id=p["stopped"], event=NEW, key="s:1"),
        Request(person_id=p["stopped-with-email"], event=NEW, key="s:2"),
        Request(person_id=p["both"], event=NEW, key="b:1", context={"ignored": "x"}),
        Request(person_id=p["english"], event=NEW, key="e:1"),        # opted out
        Request(person_id=p["english"], event=INVITATION, key="e:2",
                organisation_id=unit.id),
        Request(person_id=p["no-mobile"], event=NEW, key="n:1"),
        Request(person_id=p["no-address"], event=NEW, key="n:2"),
        Request(person_id=p["ordinary"], event=NEW, key="a:1"),       # the same key again
        Request(person_id=p["ordinary"], event=NEW, key="before"),    # decided before
    ]


def _seen(decided):
    """The decisions as the database holds them, without ids."""
    def row(n: Notification):
        message = db.session.get(OutboxMessage, n.outbox_message_id) if n.outbox_message_id \
            else None
        return (n.dedupe_key, n.person_id, n.event, n.channel, n.outcome, n.send_at,
                n.organisation_id, n.actor, n.urgent,
                message and (message.channel, message.dedupe_key, message.payload,
                             message.next_attempt_at))
    return [[row(n) for n in rows] for rows in decided]


def _one_by_one_then_batch(requests):
    """Each way in a savepoint of its own, rolled back: (one by one, batch) decisions and
    the messages each would publish at commit."""
    ways = []
    for decide in (lambda: [notify(person_id=r.person_id, event=r.event, context=r.context,
                                   actor=SERVICE, key=r.key, urgent=r.urgent,
                                   organisation_id=r.organisation_id) for r in requests],
                   lambda: notify_many(requests=requests, actor=SERVICE)):
        savepoint = db.session.begin_nested()
        decided = decide()
        seen = _seen(decided)
        messages = len(table_rows(OutboxMessage))
        savepoint.rollback()
        ways.append((seen, messages))
    return ways


@pytest.mark.parametrize("chunk", [500, 2], ids=["one-chunk", "chunks-of-two"])
@pytest.mark.parametrize("hour", [9, 22], ids=["day", "quiet-hours"])
def test_a_batch_decides_as_one_request_after_the_other(db, newsletter, notify_rules,
                                                        frozen_clock, monkeypatch, hour,
                                                        chunk):
    """Chunks of two split the capped person's requests and the repeated key's."""
    monkeypatch.setattr(service, "CHUNK", chunk)
    notify_rules(daily_cap=2, quiet_hours="21:00-08:00")
    people, unit = _people()
    notify(person_id=people["ordinary"].id, event=NEW, context={}, actor=SERVICE,
           key="before")
    frozen_clock.move_to(oslo(2026, 3, 2, hour, 0))

    (one_by_one, sent_singly), (batch, sent_together) = _one_by_one_then_batch(
        _requests(people, unit))

    assert batch == one_by_one
    assert sent_together == sent_singly
    outcomes = [[(row[3], row[4]) for row in rows] for rows in batch]
    queued = Outcome.QUEUED if hour == 9 else Outcome.DEFERRED
    assert outcomes == [
        [("sms", queued)],
        [("sms", queued)], [("sms", queued)], [("sms", Outcome.CAPPED)],
        [("sms", Outcome.QUEUED)],                        # urgent: now, and not capped
        [("sms", Outcome.MUTED)],
        [("sms", Outcome.OPTED_OUT)],
        [("email", queued)],
        [("sms", queued), ("email", queued)],
        [("sms", Outcome.OPTED_OUT)], [("sms", queued)],
        [("email", queued)],
        [("paper", Outcome.PAPER)],
        [("sms", queued)],                                # the first a:1's rows
        [("sms", Outcome.QUEUED)],                        # decided before, at nine
    ]
    assert batch[13] == batch[0]
    assert batch[10][0][9][2]["body"].startswith("St. Olavs hospital has a few questions")


def test_the_rows_a_batch_returns_are_the_stored_ones(db, published_messages):
    first, second = person_with(), person_with(mobile=None)
    decided = notify_many(requests=[Request(person_id=first.id, event=NEW, key="k:1"),
                                    Request(person_id=second.id, event=NEW, key="k:2"),
                                    Request(person_id=first.id, event=NEW, key="k:1")],
                          actor=SERVICE)
    [[sms], [letter], [again]] = decided
    assert again is sms
    assert set(db.session.scalars(sa.select(Notification))) == {sms, letter}
    db.session.commit()
    assert published_messages == [sms.outbox_message_id]
    assert notify_many(requests=[Request(person_id=first.id, event=NEW, key="k:1")],
                       actor=SERVICE) == [[sms]]
    db.session.commit()
    assert published_messages == [sms.outbox_message_id]  # a re-run sends nothing


def test_krr_is_asked_once_for_the_batch(db, app):
    people = [person_with(mobile=None) for _ in range(3)]
    with KrrServer() as server:
        krr.configure_krr(url=server.url)
        server.add(national_id_of(people[0]), reserved=True)
        server.add(national_id_of(people[1]), mobile="+4741234567")
        decided = notify_many(requests=[Request(person_id=p.id, event=NEW, key=f"k:{p.id}")
                                        for p in people], actor=SERVICE)
    assert [[(n.channel, n.outcome) for n in rows] for rows in decided] == [
        [("paper", Outcome.PAPER)], [("sms", Outcome.QUEUED)], [("paper", Outcome.PAPER)]]
    assert server.requests == [{"personidentifikatorer": [national_id_of(p) for p in people]}]


def test_krr_down_decides_the_batch_on_what_we_know(db, app):
    known, unknown = person_with(), person_with(mobile=None)
    with KrrServer() as server:
        krr.configure_krr(url=server.url)
        server.fail_next.append(503)
        decided = notify_many(requests=[Request(person_id=known.id, event=NEW, key="k:1"),
                                        Request(person_id=unknown.id, event=NEW, key="k:2")],
                              actor=SERVICE)
    assert [[(n.channel, n.outcome) for n in rows] for rows in decided] == [
        [("sms", Outcome.QUEUED)], [("sms", Outcome.QUEUED)]]


def test_a_bad_request_stores_nothing_of_the_batch(db):
    person = person_with()
    good = Request(person_id=person.id, event=NEW, key="k:1")
    for bad, error in ((Request(person_id=person.id, event="x.unknown", key="k:2"),
                        UnknownEvent),
                       (Request(person_id=999_999, event=NEW, key="k:3"), NotFound),
                       (Request(person_id=person.id, event=NEW, key=""), ValueError)):
        with pytest.raises(error):
            notify_many(requests=[good, bad], actor=SERVICE)
    assert table_rows(Notification) == [] and table_rows(OutboxMessage) == []


def test_an_empty_batch_decides_nothing(db):
    assert notify_many(requests=[], actor=SERVICE) == []


def test_what_a_batch_reads_does_not_grow_with_it(db, newsletter):
    """One query each for earlier decisions, people, settings, mutes, opt-outs and the
    cap's counts, and one INSERT each for the outbox (which skips keys queued already)
    and the decisions: the same for 3 people and for 27 (a third of them by SMS and
    e-mail)."""
    people = [person_with() for _ in range(30)]
    for person in people[::3]:
        db.session.add(NotificationSettings(person_id=person.id, channels=ChannelChoice.BOTH,
                                            email="kari@example.no", non_essential=True,
                                            answer_by_sms=False))
    db.session.commit()
    ids = [person.id for person in people]
    for person in people:  # as a commit does outside the tests: the people are read
        db.session.expire(person)
    engine = db.session.get_bind()

    def statements(batch, prefix):
        with statements_run() as seen:
            notify_many(requests=[Request(person_id=p, event=NEW, key=f"{prefix}:{p}")
                                  for p in batch], actor=SERVICE)
        return seen

    few, many = statements(ids[:3], "few"), statements(ids[3:], "many")
    reads = [s for s in few if s.startswith("SELECT")]
    assert len(reads) == 6, reads
    assert [s for s in many if s.startswith("SELECT")] == reads
    if engine.dialect.name == "postgresql":
        # SQLite's driver cannot return a multi-row INSERT's ids in order, so the
        # decisions go in one by one there.
        assert many == few == [*reads, "INSERT INTO outbox_messages",
                               "INSERT INTO notifications"]


def test_a_person_the_session_holds_is_not_read_again(db, newsletter):
    """Her own request (she is loaded at login): the decision takes her from the session;
    one expired (by a commit, outside the tests) is read again, so nothing stale decides."""
    person = person_with()
    engine = db.session.get_bind()
    seen = []

    def decided(key: str) -> list[str]:
        seen.clear()
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            notify_many(requests=[Request(person_id=person.id, event=NEW, key=key)],
                        actor=SERVICE)
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return [s for s in seen if "FROM people" in s]

    def listener(_connection, _cursor, statement, *_args):
        seen.append(statement)

    assert decided("held") == []
    db.session.expire(person)
    assert len(decided("expired")) == 1
    assert {n.dedupe_key for n in table_rows(Notification)} == {"held:sms", "expired:sms"}


@pytest.mark.parametrize(("decisions", "by_sms"), [
    ([("sms", Outcome.QUEUED)], True),
    ([("sms", Outcome.DEFERRED)], True),  # after the quiet hours: an answer can still come
    ([("email", Outcome.QUEUED), ("sms", Outcome.QUEUED)], True),
    ([("email", Outcome.QUEUED)], False),
    ([("sms", Outcome.CAPPED)], False),
    ([("sms", Outcome.MUTED)], False),
    ([("sms", Outcome.OPTED_OUT)], False),
    ([("paper", Outcome.PAPER)], False),
    ([], False),
])
def test_a_notice_goes_by_sms_only_when_an_sms_is_queued(decisions, by_sms):
    """The one rule wound and ultrasound dialogues wait for an SMS answer on."""
    assert service.goes_by_sms([Notification(channel=channel, outcome=outcome)
                                for channel, outcome in decisions]) is by_sms
