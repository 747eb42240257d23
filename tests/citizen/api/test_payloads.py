"""Any JSON body of /api/v1 is parsed the same way: nested too deep, it is 400 (never the
parser's RecursionError as a 500), at the depth limit it reaches the schema."""

from __future__ import annotations

import pytest

from citizen.payloads import MAX_DEPTH
from tests.citizen.pages import sign_in_citizen
from tests.plugins.factories import make_person


@pytest.fixture
def citizen(client, db):
    sign_in_citizen(client, make_person())
    return client


def nested(depth: int) -> str:
    """An object nesting ``depth`` levels: {"a": {"a": ... {}}}."""
    return '{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1)


@pytest.mark.parametrize("body", ["[" * 5000 + "]" * 5000, "[" * 100_000, nested(MAX_DEPTH + 1)])
def test_a_body_nested_too_deep_is_400(citizen, body):
    response = citizen.put("/api/v1/notification-settings", data=body,
                           content_type="application/json")
    assert response.status_code == 400
    assert response.is_json


def test_a_body_at_the_depth_limit_reaches_the_schema(citizen):
    response = citizen.put("/api/v1/notification-settings", data=nested(MAX_DEPTH),
                           content_type="application/json")
    assert response.status_code == 422  # "a" is no field of the settings
