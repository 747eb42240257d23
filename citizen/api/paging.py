"""Keyset paging: a page is the rows after the last one the caller saw, in a fixed order.

Never OFFSET: a row added while someone pages would shift every page after it, and
OFFSET reads all the rows it skips. The cursor is opaque to callers (base64 of the last
row's key values); a cursor that was not ours is a 400.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, request, url_for
from marshmallow import ValidationError
from sqlalchemy.orm import InstrumentedAttribute
from werkzeug.exceptions import BadRequest

from citizen.api.schemas import PageQuerySchema
from citizen.errors import ApiError, wants_json
from services.db import db


@dataclass(frozen=True)
class PageArgs:
    limit: int
    cursor: str | None


@dataclass(frozen=True)
class Page:
    items: list[Any]
    #: The cursor of the page after this one; None on the last page.
    next_cursor: str | None


def page_args() -> PageArgs:
    """``?limit=&cursor=`` of this request: 422 problem (API) or 400 (pages) when invalid."""
    try:
        args = PageQuerySchema().load({k: request.args[k] for k in ("limit", "cursor")
                                       if k in request.args})
    except ValidationError as exc:
        if wants_json():
            raise ApiError(422, "the query has invalid parameters",
                           errors=exc.normalized_messages()) from None
        raise BadRequest("invalid paging parameters") from None
    return PageArgs(**args)


def keyset_page(statement: sa.Select, *, keys: Sequence[InstrumentedAttribute],
                args: PageArgs, descending: bool = True) -> Page:
    """One page of ``statement``'s rows ordered by ``keys``, which together must be unique
    (``(created_at, id)``), newest first unless ``descending`` is False."""
    if args.cursor is not None:
        after = sa.tuple_(*(sa.literal(value, key.type) for key, value in
                            zip(keys, _decode(args.cursor, keys), strict=True)))
        row = sa.tuple_(*keys)
        statement = statement.where(row < after if descending else row > after)
    order = [key.desc() if descending else key.asc() for key in keys]
    rows = list(db.session.scalars(statement.order_by(*order).limit(args.limit + 1)))
    if len(rows) <= args.limit:
        return Page(rows, None)
    rows = rows[:args.limit]
    return Page(rows, encode_cursor([getattr(rows[-1], key.key) for key in keys]))


def next_url(page: Page) -> str | None:
    """This request's URL at the next page, absolute under PUBLIC_BASE_URL; None at the end."""
    if page.next_cursor is None:
        return None
    args = {**request.args.to_dict(), "cursor": page.next_cursor}
    return current_app.config["PUBLIC_BASE_URL"] + url_for(
        request.endpoint, **(request.view_args or {}), **args)


def encode_cursor(values: Sequence[Any]) -> str:
    """The opaque cursor of a row's key values (dates and moments as ISO text)."""
    plain = [value.isoformat() if isinstance(value, date) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()
                                    ).decode().rstrip("=")


def decode_cursor(cursor: str, types: Sequence[type],
                  valid: Callable[[list[Any]], bool] = lambda _values: True) -> list[Any]:
    """The key values of a cursor ``encode_cursor`` gave out, each checked to be of its type
    in ``types`` (int, str, date, datetime) and, together, ``valid``: 400 (problem in the
    API) for anything else."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(types):
            raise ValueError("wrong shape")
        typed = [_typed(kind, value) for kind, value in zip(types, values, strict=True)]
        if not valid(typed):
            raise ValueError("not a place in this list")
        return typed
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        if wants_json():
            raise ApiError(400, "the cursor is not one this list gave out") from None
        raise BadRequest("invalid paging cursor") from None


def _decode(cursor: str, keys: Sequence[InstrumentedAttribute]) -> list[Any]:
    # A TypeDecorator (UTCDateTime) answers ``object``; its implementation knows.
    return decode_cursor(cursor, [getattr(key.type, "impl_instance", key.type).python_type
                                  for key in keys])


#: A key value the database's BIGINT holds: a larger one is no cursor of ours.
_MAX_INT = 2**63 - 1


def _typed(python_type: type, value: Any) -> Any:
    if python_type is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a moment without its offset")
        return moment
    if python_type is date:
        return date.fromisoformat(value)
    if python_type not in (int, str) or not isinstance(value, python_type) \
            or isinstance(value, bool):
        raise TypeError(f"expected {python_type.__name__}")
    if python_type is int and not -_MAX_INT <= value <= _MAX_INT:
        raise ValueError("out of range")
    return value
