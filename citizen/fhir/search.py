"""Search parameters that every resource shares: _id, _lastUpdated, _count and paging."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from citizen.fhir.errors import FhirError

DEFAULT_COUNT = 50
MAX_COUNT = 500
#: Paging and result parameters, accepted on every search and not matched against data.
CONTROL_PARAMS = {"_count", "_cursor", "_format", "_total", "_summary"}
_PREFIXES = {"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb"}


@dataclass(frozen=True)
class SearchRequest:
    params: MultiDict
    count: int
    after_id: int
    filters: dict[str, list[str]] = field(default_factory=dict)


def parse_search(params: MultiDict, known: set[str], *,
                 parse_id: Callable[[str], int | None]) -> SearchRequest:
    """Split control parameters from filters; unknown filters are an error, not ignored.

    (Strict handling: silently ignoring a misspelt parameter would return too much.)
    ``parse_id`` reads an id of the resource type (``_cursor`` is the last id of a page).
    """
    count = _int_param(params, "_count", DEFAULT_COUNT, low=0, high=MAX_COUNT)
    after = _cursor(params.get("_cursor"), parse_id)
    filters: dict[str, list[str]] = {}
    for name in params:
        if name in CONTROL_PARAMS:
            continue
        base = name.split(":", 1)[0]
        if base not in known:
            raise FhirError(400, f"unknown search parameter {name}", code="not-supported")
        filters.setdefault(name, []).extend(v for v in params.getlist(name))
    return SearchRequest(params=params, count=count, after_id=after, filters=filters)


def _int_param(params: MultiDict, name: str, default: int, *, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()):  # int() also takes " 5", "1_0" and "١٢"
        raise FhirError(400, f"{name} must be a whole number", code="invalid")
    value = int(raw)
    if not low <= value <= high:
        raise FhirError(400, f"{name} must be between {low} and {high}", code="invalid")
    return value


def _cursor(raw: str | None, parse_id: Callable[[str], int | None]) -> int:
    if raw is None:
        return 0
    after = parse_id(raw)
    if after is None:
        raise FhirError(400, "_cursor must be the id from a next link", code="invalid")
    return after


def parse_date_prefix(value: str) -> tuple[str, datetime]:
    """``ge2026-01-01`` → (``ge``, that instant in UTC). Dates without a zone are UTC."""
    prefix = value[:2] if value[:2] in _PREFIXES else "eq"
    raw = value[2:] if value[:2] in _PREFIXES else value
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise FhirError(400, f"not a FHIR date or dateTime: {raw}", code="invalid") from None
    try:  # in UTC, as stored instants are: 0001-01-01T00:00+14:00 is in year 0
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        raise FhirError(400, f"{raw} is outside the calendar in UTC", code="invalid") from None
    if prefix not in {"eq", "gt", "lt", "ge", "le"}:
        raise FhirError(400, f"date prefix {prefix} is not supported", code="not-supported")
    return prefix, moment


def parse_token(value: str) -> tuple[str | None, str]:
    """``system|code`` → (system, code); a bare ``code`` has no system."""
    if "|" in value:
        system, code = value.split("|", 1)
        return system or None, code
    return None, value


def page_link(base_url: str, params: MultiDict, *, after_id: int | None = None) -> str:
    pairs = [(k, v) for k, v in params.items(multi=True) if k != "_cursor"]
    if after_id is not None:
        pairs.append(("_cursor", str(after_id)))
    return f"{base_url}?{urlencode(pairs)}" if pairs else base_url
