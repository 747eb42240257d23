"""Keyset paging: a page is the rows after the last one the caller saw, in a fixed order.

Never OFFSET: a row added while someone pages would shift every page after it, and
OFFSET reads all the rows it skips. The cursor is opaque to callers (base64 of the last
row's key values); a cursor that was not ours is a 400.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
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
    return Page(rows, _encode([getattr(rows[-1], key.key) for key in keys]))


def next_url(page: Page) -> str | None:
    """This request's URL at the next page, absolute under PUBLIC_BASE_URL; None at the end."""
    if page.next_cursor is None:
        return None
    args = {**request.args.to_dict(), "cursor": page.next_cursor}
    return current_app.config["PUBLIC_BASE_URL"] + url_for(
        request.endpoint, **(request.view_args or {}), **args)


def _encode(values: list[Any]) -> str:
    plain = [value.isoformat() if isinstance(value, date) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()
                                    ).decode().rstrip("=")


def _decode(cursor: str, keys: Sequence[InstrumentedAttribute]) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError("wrong shape")
        return [_typed(key, value) for key, value in zip(keys, values, strict=True)]
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        if wants_json():
            raise ApiError(400, "the cursor is not one this list gave out") from None
        raise BadRequest("invalid paging cursor") from None


def _typed(key: InstrumentedAttribute, value: Any) -> Any:
    column_type = key.type
    # A TypeDecorator (UTCDateTime) answers ``object``; its implementation knows.
    python_type = getattr(column_type, "impl_instance", column_type).python_type
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
    return value
