"""What the staff API's case endpoints share: who may call them, the case of the staff
member's hospital or 404, and the case version a change names (``version`` in the body
or ``If-Match``; docs/api.md) with its refusals: 409 from the body, 412 from If-Match."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import g, request
from marshmallow import Schema

from citizen.errors import ApiError
from citizen.payloads import load_json
from services.wound import staff
from services.wound.models import FollowUp

TAGS = ("wound-staff",)
NOT_FOUND = {404: "No such case of the staff member's hospital."}
IF_MATCH = {"If-Match": "The case's ETag, instead of version in the body."}


def case_or_404(case_id: int) -> FollowUp:
    try:
        return staff.case_for(case_id, actor=g.actor)
    except staff.NotFound:
        raise not_found() from None


def not_found() -> ApiError:
    return ApiError(404, "no such case", title="Not Found")


def change_request(case_id: int, schema: Schema) -> tuple[dict[str, Any], int | None, bool]:
    """A change's body (less its ``version``), the version it names and whether that came
    as If-Match; the case is found first, so another hospital's is 404 whatever the body."""
    case_or_404(case_id)
    body = load_json(schema)
    version, from_header = version_read(case_id, body.pop("version"))
    return body, version, from_header


def version_read(case_id: int, in_body: int | None) -> tuple[int | None, bool]:
    """The version the caller read and whether it came as If-Match: If-Match's, else the
    body's; 422 with neither."""
    if request.if_match:
        if request.if_match.star_tag:
            return case_or_404(case_id).version_id, True
        tags = [tag for tag in request.if_match.as_set() if tag.isascii() and tag.isdigit()]
        return (int(tags[0]) if len(tags) == 1 and len(tags[0]) < 10 else -1), True
    if in_body is None:
        raise ApiError(422, "say which version of the case you read",
                       errors={"version": ["give the case's version, or send If-Match"]})
    return in_body, False


def stale(refused: staff.Stale, *, from_header: bool) -> ApiError:
    """A change against an older version: 412 for If-Match, 409 (code stale) for the body."""
    if from_header:
        return ApiError(412, str(refused), title="Precondition Failed")
    return ApiError(409, str(refused), errors={"code": ["stale"]})


@contextmanager
def refusals(*, from_header: bool, wrong_state: tuple[type[Exception], ...] = ()
             ) -> Iterator[None]:
    """A change's refusals as problems: no such case 404, stale 409/412, and a case whose
    state takes no such change (``wrong_state``) 409 with ``errors.code`` state."""
    try:
        yield
    except staff.NotFound:
        raise not_found() from None
    except staff.Stale as refused:
        raise stale(refused, from_header=from_header) from None
    except wrong_state as refused:
        raise ApiError(409, str(refused), errors={"code": ["state"]}) from None
