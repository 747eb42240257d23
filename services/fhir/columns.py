"""What a database column can hold, read from its SQLAlchemy type: the bounds that input
must be checked against before it reaches the database (which would answer with an error
on PostgreSQL, and silently store it on SQLite)."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from services.fhir.problem import Problem

#: Signed ranges of the integer types (the widest type first: BigInteger is an Integer).
_INTEGER_MAX = ((sa.BigInteger, 2**63 - 1), (sa.SmallInteger, 2**15 - 1), (sa.Integer, 2**31 - 1))


def max_length(column: sa.Column) -> int | None:
    """The most characters ``column`` stores, or None where its type sets no limit."""
    return getattr(column.type, "length", None)


def id_max(column: sa.Column) -> int:
    """The largest value an integer ``column`` (a primary key) holds on every database."""
    for kind, largest in _INTEGER_MAX:
        if isinstance(column.type, kind):
            return largest
    raise TypeError(f"{column} is not an integer column")


def parse_id(raw: str, column: sa.Column) -> int | None:
    """``raw`` as an id of ``column``: ASCII digits (``int()`` takes ``'١٢٣'`` and ``'²'``,
    a database does not), from 1 up to what the column holds. None for anything else."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        return None
    value = int(raw)
    return value if 1 <= value <= id_max(column) else None


def too_long(model: type, values: Mapping[str, tuple[str | None, str]]) -> list[Problem]:
    """The values that do not fit their column: ``values`` maps a column attribute of
    ``model`` to (value, the FHIRPath of the element it came from)."""
    columns = sa.inspect(model).columns
    problems = []
    for attribute, (value, expression) in values.items():
        limit = max_length(columns[attribute])
        if value is not None and limit is not None and len(value) > limit:
            problems.append(Problem(expression, f"{expression} is longer than the {limit} "
                                                "characters stored", "too-long"))
    return problems
