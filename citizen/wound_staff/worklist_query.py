"""The worklist's query string, for the page and the API alike: the filters and the cursor
of the next page.

The cursor is the last entry's place in the order (``worklist.Entry.cursor``) as URL-safe
base64 of its JSON. It is not signed: it only says where in her own hospital's list to go
on, so a changed one shows nothing it should not. Anything that is not a well-formed place
is refused (:class:`BadCursor`) before it reaches the query.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from citizen.i18n import parse_day
from services.wound import catalogue
from services.wound.models import CaseState
from services.wound.worklist import FLAGGED, WAITING_RANK, Filters

#: The query's filter fields; ``from`` and ``to`` are days as dd.mm.yyyy.
FIELDS = ("category", "from", "to", "unit", "state")
MAX_FIELD = 40
MAX_CURSOR = 200
_INT = 2**31 - 1


class FilterError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("bad filters")
        #: field -> code: unknown_category, bad_day, reversed, unknown_unit, unknown_state.
        self.errors = errors


class BadCursor(ValueError):
    """The ``after`` value is not a place in the worklist's order."""


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


def encode_cursor(cursor: list[Any]) -> str:
    text = json.dumps(cursor, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode("ascii").rstrip("=")


def decode_cursor(text: str | None) -> list[Any] | None:
    """The place after which the page starts; None for the first page."""
    if not text:
        return None
    if len(text) > MAX_CURSOR:
        raise BadCursor("the cursor is too long")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        found = json.loads(raw)
    except (binascii.Error, ValueError):
        raise BadCursor("the cursor is not one this list gave") from None
    if not (isinstance(found, list) and len(found) == 4):
        raise BadCursor("the cursor is not one this list gave")
    rank, score, moment, case_id = found
    if not (_whole(rank, FLAGGED, WAITING_RANK) and _whole(score, -_INT - 1, _INT)
            and _whole(case_id, 0, _INT) and isinstance(moment, str)):
        raise BadCursor("the cursor is not one this list gave")
    try:
        at = datetime.fromisoformat(moment)
    except ValueError:
        raise BadCursor("the cursor's moment is not one") from None
    if at.tzinfo is None:
        raise BadCursor("the cursor's moment has no offset")
    return found


def _whole(value: Any, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high
