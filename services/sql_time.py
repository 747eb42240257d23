"""Time arithmetic in SQL, which PostgreSQL and SQLite spell differently: whole hours
between two instants, the Norwegian calendar day of an instant, days between two days.

The Norwegian day is exact on both: PostgreSQL converts with its own tz database, and
SQLite calls a function registered on each connection (``register_sqlite``) that uses
Python's, so a test at midnight or at a daylight-saving change means the same on both.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from services.clock import NORWAY


class whole_hours(FunctionElement):
    """Whole hours from the first timestamp to the second."""

    type = sa.Integer()
    inherit_cache = True


@compiles(whole_hours)
def _whole_hours_postgresql(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"floor(extract(epoch from ({end} - {start})) / 3600)"


@compiles(whole_hours, "sqlite")
def _whole_hours_sqlite(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    # julianday is a float of days: an hour exactly came out as 0.99999... hours and cast
    # down to 0. Rounded to whole milliseconds first, then divided as integers (down, as
    # PostgreSQL's floor for the non-negative spans the statistics count).
    return (f"(cast(round((julianday({end}) - julianday({start})) * 86400000) as integer)"
            f" / 3600000)")


class norwegian_day(FunctionElement):
    """The day in Norway (Europe/Oslo) of a UTC timestamp."""

    type = sa.Date()
    inherit_cache = True


@compiles(norwegian_day)
def _norwegian_day_postgresql(element, compiler, **kw):
    (instant,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"cast(timezone('{NORWAY.key}', {instant}) as date)"


@compiles(norwegian_day, "sqlite")
def _norwegian_day_sqlite(element, compiler, **kw):
    (instant,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"norwegian_day({instant})"


class days_between(FunctionElement):
    """Calendar days from the first day to the second (negative when it is before)."""

    type = sa.Integer()
    inherit_cache = True


@compiles(days_between)
def _days_between_postgresql(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"({end} - {start})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"cast(julianday({end}) - julianday({start}) as integer)"


def _sqlite_norwegian_day(stored: str | None) -> str | None:
    if stored is None:
        return None
    instant = datetime.fromisoformat(stored)
    if instant.tzinfo is None:  # services.db.UTCDateTime stores UTC without an offset
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(NORWAY).date().isoformat()


def register_sqlite(dbapi_connection) -> None:
    dbapi_connection.create_function("norwegian_day", 1, _sqlite_norwegian_day,
                                     deterministic=True)
