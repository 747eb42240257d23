"""Schemathesis over every /api/v1 operation, in-process: generated requests that fit the
document (positive) and that do not (negative: wrong types, missing fields, odd headers),
as a logged-in citizen. Every answer must be one the document describes, none a 5xx,
invalid input refused and valid input accepted. Bounded so that it stays a CI test.

(schemathesis' own pytest loader does not run under pytest 9, so the strategy is driven by
hypothesis directly; the checks are schemathesis' own.)
"""

from __future__ import annotations

import functools
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from citizen.auth.cookies import NAME
from services.people.service import national_id_of
from tests.plugins.api import session_token_for
from tests.plugins.factories import make_person

#: Examples over all operations together, per mode.
EXAMPLES = 150
#: Whether a number is a mobile depends on numbering plans, which no JSON Schema pattern
#: states (the document says so); valid input draws its numbers from real mobiles.
MOBILES = (None, "91234567", "+47 412 34 567", "+46 70 123 45 67")


#: What refusing invalid input may look like: schemathesis' own list, and 414, which the
#: site answers before the API sees a query string too long to serve (a cursor of odd
#: characters grows twelvefold when percent-encoded).
REJECTIONS = [400, 401, 403, 404, 405, 406, 409, 414, 415, 422, 428, 429]
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}}})


#: A fullmakt's recipient must be a registered adult, under a valid number with its check
#: digits, and its days must run forward from today: rules no JSON Schema states either.
FULLMAKT_DAYS = {"starts_on": None, "ends_on": "2099-12-31"}


def realistic(case_and_number, *, recipient_number: str | None = None):
    """Valid input as a client sends it: a real mobile number, a registered recipient of a
    fullmakt, no made-up If-Match (a version the client never read is 412 by design:
    test_settings_api.py) and no made-up cursor (a cursor is a ``next`` link's, never made
    by hand: one that no list gave out is 400, citizen/api/paging.py)."""
    case, number = case_and_number
    if isinstance(case.body, dict) and "mobile" in case.body:
        case.body["mobile"] = number
    if isinstance(case.body, dict) and "national_id" in case.body and recipient_number:
        case.body.update({"national_id": recipient_number, **FULLMAKT_DAYS})
    if case.headers:
        case.headers.pop("If-Match", None)
    if case.query:
        case.query.pop("cursor", None)
    return case


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_described(app, db, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    cookies = {NAME: session_token_for(make_person())}
    recipient_number = national_id_of(make_person(date(1970, 1, 1)))

    # The session cookie is part of each case, so a case whose cookie schemathesis mutated
    # is expected to be refused.
    cases = schema.as_strategy(generation_mode=mode, cookies=cookies)
    if mode is GenerationMode.POSITIVE:
        cases = st.tuples(cases, st.sampled_from(MOBILES)).map(
            functools.partial(realistic, recipient_number=recipient_number))

    call_each(cases)


def call_each(cases, examples: int = EXAMPLES) -> None:
    """Call and validate ``examples`` of schemathesis' ``cases``."""

    @given(case=cases)
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def call(case):
        case.call_and_validate()

    call()
