"""``services.sql_time``: whole hours, the Norwegian day and days between days, the same in
the database the tests run on (SQLite, or PostgreSQL with DATABASE_URL) at the edges:
midnight in Oslo, the daylight-saving changes, an hour less a second; and SQLite's own
function whatever the server's time zone."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from services import sql_time
from services.db import UTCDateTime


def _moment(value: datetime):
    return sa.literal(value, UTCDateTime())


@pytest.mark.parametrize(("instant", "day"), [
    # Winter (UTC+1): the day before starts at 23:00 UTC.
    (datetime(2026, 3, 1, 22, 59, 59, tzinfo=UTC), date(2026, 3, 1)),
    (datetime(2026, 3, 1, 23, 0, tzinfo=UTC), date(2026, 3, 2)),
    # 29 March 2026: clocks go forward at 01:00 UTC; that day starts at 23:00 UTC the day
    # before and the next at 22:00 UTC.
    (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), date(2026, 3, 29)),
    (datetime(2026, 3, 29, 21, 59, 59, tzinfo=UTC), date(2026, 3, 29)),
    (datetime(2026, 3, 29, 22, 0, tzinfo=UTC), date(2026, 3, 30)),
    # 25 October 2026: clocks go back at 01:00 UTC; that day starts at 22:00 UTC the day
    # before and the next at 23:00 UTC.
    (datetime(2026, 10, 24, 21, 59, 59, tzinfo=UTC), date(2026, 10, 24)),
    (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), date(2026, 10, 25)),
    (datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC), date(2026, 10, 25)),
    (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), date(2026, 10, 26)),
])
def test_the_norwegian_day_of_an_instant(db, instant, day):
    assert db.session.scalar(sa.select(sql_time.norwegian_day(_moment(instant)))) == day


def test_the_norwegian_day_of_nothing_is_nothing(db):
    assert db.session.scalar(sa.select(sql_time.norwegian_day(
        sa.null().cast(UTCDateTime())))) is None


@pytest.mark.parametrize(("seconds", "hours"), [
    (0, 0), (3599, 0), (3600, 1), (7199, 1), (7200, 2), (30 * 86400, 720)])
def test_whole_hours_between_two_instants(db, seconds, hours):
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert db.session.scalar(sa.select(sql_time.whole_hours(
        _moment(start), _moment(start + timedelta(seconds=seconds))))) == hours


def test_whole_hours_across_a_daylight_saving_change_are_real_hours(db):
    # 00:30 to 03:30 on the clocks of 29 March 2026 in Oslo is two hours, not three.
    start = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    assert db.session.scalar(sa.select(sql_time.whole_hours(
        _moment(start), _moment(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))))) == 2


@pytest.mark.parametrize(("first", "last", "days"), [
    (date(2026, 3, 2), date(2026, 3, 2), 0), (date(2026, 3, 2), date(2026, 3, 3), 1),
    (date(2026, 3, 2), date(2026, 3, 1), -1), (date(2026, 2, 28), date(2026, 3, 1), 1),
    (date(2026, 3, 28), date(2026, 3, 30), 2), (date(2025, 12, 31), date(2026, 12, 31), 365)])
def test_days_between_two_days(db, first, last, days):
    assert db.session.scalar(sa.select(sql_time.days_between(
        sa.literal(first, sa.Date()), sa.literal(last, sa.Date())))) == days


@pytest.fixture
def server_in_new_york(monkeypatch):
    """The process's own time zone somewhere else than UTC and Oslo."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(("stored", "day"), [
    # As services.db.UTCDateTime stores it: UTC without an offset. 22:30 UTC is 23:30 in
    # Oslo, still 2 March; read as New York's it would be 3 March.
    ("2026-03-02 22:30:00", "2026-03-02"), ("2026-03-02 23:00:00", "2026-03-03"),
    # With its offset: 22:30 at -02:00 is 00:30 UTC on 3 March, 01:30 in Oslo.
    ("2026-03-02T22:30:00-02:00", "2026-03-03"),
    (None, None)])
def test_sqlites_function_whatever_the_servers_time_zone(server_in_new_york, stored, day):
    connection = sqlite3.connect(":memory:")
    sql_time.register_sqlite(connection)
    assert connection.execute("select norwegian_day(?)", (stored,)).fetchone() == (day,)


def test_sqlites_function_may_index(server_in_new_york):
    # Deterministic, so SQLite lets an index (or a generated column) use it.
    connection = sqlite3.connect(":memory:")
    sql_time.register_sqlite(connection)
    connection.execute("create table t (at text)")
    connection.execute("create index t_day on t (norwegian_day(at))")
    connection.execute("insert into t values ('2026-03-02 23:00:00')")
    assert connection.execute("select norwegian_day(at) from t").fetchone() == ("2026-03-03",)
