"""The worklist's query string, for the page and the API alike: the filters and the cursor
of the next page.

The cursor is the last entry's place in the order (``worklist.Entry.cursor``), encoded as
every list's (``citizen.api.paging``). It is not signed: it only says where in her own
hospital's list to go on, so a changed one shows nothing it should not. Anything that is
not a well-formed place is 400 before it reaches the query.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from citizen.api.paging import decode_cursor, encode_cursor
from citizen.i18n import parse_day
from services.wound import catalogue
from services.wound.models import CaseState
from services.wound.worklist import FLAGGED, WAITING_RANK, Filters, Worklist

#: The query's filter fields; ``from`` and ``to`` are days as dd.mm.yyyy.
FIELDS = ("category", "from", "to", "unit", "state")
MAX_FIELD = 40


class FilterError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("bad filters")
        #: field -> code: unknown_category, bad_day, reversed, unknown_unit, unknown_state.
        self.errors = errors


def values_of(args: Mapping[str, Any]) -> dict[str, str]:
    """The filter fields as given (trimmed, cut short), for showing them again."""
    return {name: str(args.get(name) or "")[:MAX_FIELD].strip() for name in FIELDS}


def parse_filters(args: Mapping[str, Any], *, units: set[int]) -> Filters:
    """The worklist's filters from the query; ``units`` are the ids a unit may be (the
    hospital's units). :class:`FilterError` names each bad field."""
    text = values_of(args)
    errors: dict[str, str] = {}
    category = text["category"].upper() or None
    if category is not None and catalogue.load().by_key(category) is None:
        errors["category"] = "unknown_category"
    days = {}
    for name in ("from", "to"):
        if text[name]:
            days[name] = parse_day(text[name])
            if days[name] is None:
                errors[name] = "bad_day"
    if days.get("from") and days.get("to") and days["to"] < days["from"]:
        errors["to"] = "reversed"
    unit = None
    if text["unit"]:
        unit = int(text["unit"]) if text["unit"].isdecimal() else None
        if unit not in units:
            errors["unit"] = "unknown_unit"
    state = None
    if text["state"]:
        try:
            state = CaseState(text["state"])
        except ValueError:
            errors["state"] = "unknown_state"
    if errors:
        raise FilterError(errors)
    return Filters(category=category, operated_from=days.get("from"),
                   operated_to=days.get("to"), unit_id=unit, state=state)


#: ``worklist.Entry.cursor``: the rank, the score, the moment and the case id.
CURSOR = (int, int, datetime, int)
_INT = 2**31 - 1


def after_of(cursor: str | None) -> list[Any] | None:
    """The place in the worklist's order the page starts after (None: the first page);
    400 for a cursor the worklist did not give out (``paging.decode_cursor``)."""
    if not cursor:
        return None
    rank, score, moment, case_id = decode_cursor(cursor, CURSOR, _a_place)
    return [rank, score, moment.isoformat(), case_id]


def cursor_after(found: Worklist) -> str | None:
    """The cursor of the page after ``found``; None on the last."""
    return encode_cursor(found.next) if found.next else None


def _a_place(values: list[Any]) -> bool:
    rank, score, _moment, case_id = values
    return FLAGGED <= rank <= WAITING_RANK and -_INT - 1 <= score <= _INT and 0 < case_id <= _INT
