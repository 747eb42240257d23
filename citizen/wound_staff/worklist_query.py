"""The worklist's query string, for the page and the API alike: the filters and the cursor
of the next page. Each surface reads its own spelling (the page ``from``/``to`` as people
write days and ``after``; the API ``operated_from``/``operated_to`` as ISO days and
``cursor``), and both then keep to the same rules (``filters_of``, ``after_of``).

The cursor is the last entry's place in the order (``worklist.Worklist.next``), encoded as
every list's (``citizen.api.paging``). It is not signed: it only says where in her own
hospital's list to go on, so a changed one shows nothing it should not. Anything that is
not a well-formed place is 400 before it reaches the query.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from citizen.api.paging import decode_cursor, encode_cursor
from citizen.i18n import parse_day
from services.actors import Actor
from services.wound import catalogue
from services.wound.models import CaseState
from services.wound.staff import organisations_of
from services.wound.worklist import FLAGGED, WAITING_RANK, Filters, Worklist

#: The page's filter fields, and the names ``FilterError`` gives the fields.
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


def hospital_units(actor: Actor) -> set[int]:
    """The ids of the units below the staff member's hospital: what ``unit`` may be."""
    return organisations_of(actor) - {actor.organisation_id}


def parse_filters(args: Mapping[str, Any], *, units: set[int]) -> Filters:
    """The page's filters from its query, as people write them (``1.3.2026`` or ISO days,
    a category in any case); :class:`FilterError` names each bad field."""
    text = values_of(args)
    errors: dict[str, str] = {}
    days = {}
    for name in ("from", "to"):
        if text[name]:
            days[name] = parse_day(text[name])
            if days[name] is None:
                errors[name] = "bad_day"
    unit = None
    if text["unit"]:
        if text["unit"].isdecimal():
            unit = int(text["unit"])
        else:
            errors["unit"] = "unknown_unit"
    return filters_of(category=text["category"].upper() or None, first=days.get("from"),
                      last=days.get("to"), unit=unit, state=text["state"] or None,
                      units=lambda: units, errors=errors)


def filters_of(*, category: str | None, first: date | None, last: date | None,
               unit: int | None, state: str | None, units: Callable[[], set[int]],
               errors: Mapping[str, str] | None = None) -> Filters:
    """The worklist's filters once each surface has read its query (the page's
    ``parse_filters``, the API's ``WorklistQuerySchema``), by one rule: a category of the
    catalogue, the last day not before the first, a unit among ``units()`` (the
    hospital's, looked up only for a unit filter: another hospital's is as unknown as
    none), any case state. ``errors`` are the surface's own (a day it could not read);
    :class:`FilterError` names them all."""
    found = dict(errors or {})
    if category is not None and catalogue.load().by_key(category) is None:
        found["category"] = "unknown_category"
    if first is not None and last is not None and last < first:
        found["to"] = "reversed"
    if unit is not None and unit not in units():
        found["unit"] = "unknown_unit"
    case_state = None
    if state is not None:
        try:
            case_state = CaseState(state)
        except ValueError:
            found["state"] = "unknown_state"
    if found:
        raise FilterError(found)
    return Filters(category=category, operated_from=first, operated_to=last, unit_id=unit,
                   state=case_state)


#: ``worklist.Worklist.next``: the rank, the score, the moment and the case id.
CURSOR = (int, int, datetime, int)
_INT = 2**31 - 1
#: The triage score's column is a SMALLINT: PostgreSQL refuses a larger one in the query.
_SMALL = 2**15 - 1


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
    return (FLAGGED <= rank <= WAITING_RANK and -_SMALL - 1 <= score <= _SMALL
            and 0 < case_id <= _INT)
