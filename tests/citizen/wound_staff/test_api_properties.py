"""Schemathesis over the staff surveillance API's case operations, as the hospital's
infection-control nurse (tests/citizen/api/test_properties.py runs as a citizen, for whom
they are all 401): no 5xx, every answer described, invalid input refused, valid accepted."""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis import GenerationMode

from citizen.auth.cookies import NAME
from services.wound.models import CaseState
from tests.citizen.api.test_properties import REJECTIONS, call_each
from tests.plugins.factories import make_person
from tests.services.wound.factories import make_case

MAX_ID = 2**31 - 1
PATHS = "^/api/v1/staff/ssi/(worklist|cases)"


def config(mode: GenerationMode):
    checks = {"negative_data_rejection": {"expected-statuses": [*REJECTIONS, 412]},
              # A stale version is 409 by design, and no case is 404 (ids are drawn); 422
              # for what the document cannot say: the rules between fields (an answer only
              # with answered_by_phone, a text with topic other) and her answer fitting the
              # questionnaire.
              "positive_data_acceptance": {"expected-statuses": [200, 201, 404, 409, 422]}}
    if mode is GenerationMode.NEGATIVE:
        # An id above the routes' maximum matches no route, and werkzeug then answers 405
        # for a route of another method on the same prefix: refused, if not described.
        checks["status_code_conformance"] = {"enabled": False}
    return schemathesis.config.SchemathesisConfig.from_dict({"checks": checks})


def session_cookie(client) -> str:
    return next(cookie.value for cookie in client._cookies.values() if cookie.key == NAME)


def as_a_client_sends(case):
    """Valid input as a client sends it: ids as the API gives them (the routes take at most
    2**31 - 1, which the document does not say), the case version it read (If-Match: *
    when the body names none; one of the two is required), no made-up cursor."""
    for name, value in (case.path_parameters or {}).items():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            case.path_parameters[name] = abs(value) % (MAX_ID + 1)
    if case.query:
        case.query.pop("cursor", None)
    case.headers = {k: v for k, v in (case.headers or {}).items() if k != "If-Match"}
    if isinstance(case.body, dict) and case.body.get("version") is None:
        case.headers["If-Match"] = "*"
    return case


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_case_operation_answers_as_described(app, hospital, nurse_api, mode):
    for state in (CaseState.TRIAGED, CaseState.NON_RESPONDER, CaseState.CLASSIFIED):
        make_case(make_person(), hospital, state=state)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config(mode))
    cases = schema.include(path_regex=PATHS).as_strategy(
        generation_mode=mode, cookies={NAME: session_cookie(nurse_api)})
    if mode is GenerationMode.POSITIVE:
        cases = cases.map(as_a_client_sends)

    call_each(cases)
