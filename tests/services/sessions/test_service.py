"""Sessions without HTTP: only the token's hash is stored; idle, absolute and logout end them."""

from datetime import timedelta

import pytest

from services.actors import Actor
from services.sessions import service as sessions
from tests.plugins.factories import make_person

IDLE = timedelta(minutes=30)


@pytest.fixture
def started(db, frozen_clock):
    person = make_person()
    web_session, token = sessions.start_session(
        kind=sessions.SessionKind.CITIZEN, actor=Actor.person(person.id), person_id=person.id,
        absolute_timeout=timedelta(hours=12), id_token="header.payload.signature")
    return web_session, token


def test_the_database_holds_a_hash_and_an_encrypted_id_token(started):
    web_session, token = started
    assert len(token) >= 43
    assert web_session.token_hash == sessions.hash_token(token) != token
    assert b"payload" not in web_session.id_token_encrypted
    assert sessions.id_token_of(web_session) == "header.payload.signature"
    assert sessions.find_session(token=token, idle_timeout=IDLE) is web_session
    assert sessions.find_session(token=token + "x", idle_timeout=IDLE) is None
    assert sessions.find_session(token="", idle_timeout=IDLE) is None


def test_touching_moves_the_idle_limit_but_not_the_absolute_one(started, frozen_clock):
    web_session, token = started
    frozen_clock.shift(timedelta(seconds=20))
    sessions.touch_session(web_session=web_session)
    assert web_session.last_seen_at == web_session.created_at  # not written every request
    frozen_clock.shift(timedelta(minutes=20))
    sessions.touch_session(web_session=web_session)
    frozen_clock.shift(timedelta(minutes=29))
    assert sessions.find_session(token=token, idle_timeout=IDLE) is web_session
    frozen_clock.shift(timedelta(minutes=2))
    assert sessions.find_session(token=token, idle_timeout=IDLE) is None


def test_an_ended_session_stays_ended(started):
    web_session, token = started
    actor = Actor.person(web_session.person_id)
    sessions.end_session(web_session=web_session, actor=actor)
    ended_at = web_session.ended_at
    sessions.end_session(web_session=web_session, actor=actor)
    assert web_session.ended_at == ended_at
    assert sessions.find_session(token=token, idle_timeout=IDLE) is None


def test_a_citizen_session_needs_a_person(db):
    with pytest.raises(ValueError, match="citizen session"):
        sessions.start_session(kind=sessions.SessionKind.CITIZEN, actor=Actor.operator(),
                               absolute_timeout=timedelta(hours=1), staff_id=1)


def test_finished_sessions_are_purged_a_day_later(db, frozen_clock):
    from datetime import timedelta

    import sqlalchemy as sa

    from services import jobs
    from services.actors import Actor
    from services.sessions.models import WebSession
    from services.sessions.service import SessionKind, end_session, start_session
    from tests.plugins.factories import make_person

    person = make_person()
    ended, _ = start_session(kind=SessionKind.CITIZEN, actor=Actor.person(person.id),
                             absolute_timeout=timedelta(hours=12), person_id=person.id)
    end_session(web_session=ended, actor=Actor.person(person.id))
    frozen_clock.shift(timedelta(hours=2))
    live, _ = start_session(kind=SessionKind.CITIZEN, actor=Actor.person(person.id),
                            absolute_timeout=timedelta(hours=12), person_id=person.id)
    frozen_clock.shift(timedelta(hours=23))
    jobs.run_due(only="sessions.purge")
    remaining = set(db.session.scalars(sa.select(WebSession.id)))
    assert ended.id not in remaining and live.id in remaining
