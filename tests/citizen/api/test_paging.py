"""Keyset paging: every row once, in order, across pages, however the rows change between
calls; the limit's bounds; cursors that were not ours."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import jsonify

from citizen.api.paging import keyset_page, next_url, page_args
from citizen.errors import ApiError
from services.people.models import Person
from tests.plugins.factories import make_person


@pytest.fixture
def people_api(make_app, db):
    """A probe list of people, newest first by (birth date, id), on the API's conventions."""
    app = make_app(PUBLIC_BASE_URL="https://minhelse.example")

    def people():
        page = keyset_page(sa.select(Person), keys=(Person.birth_date, Person.id),
                           args=page_args())
        return jsonify(items=[p.given_name for p in page.items], next=next_url(page))

    def people_page():
        page = keyset_page(sa.select(Person), keys=(Person.id,), args=page_args(),
                           descending=False)
        return jsonify(items=[p.given_name for p in page.items], next=page.next_cursor)

    app.add_url_rule("/api/v1/people", endpoint="api.people", view_func=people)
    app.add_url_rule("/people", endpoint="people_page", view_func=people_page)
    return app.test_client()


def local(url: str) -> str:
    return url.removeprefix("https://minhelse.example")


def test_pages_walk_every_row_once_newest_first(people_api):
    born = date(1990, 1, 1)
    for n in range(7):
        make_person(born + timedelta(days=n // 2), given_name=f"P{n}")  # ties on the date

    names, url, pages = [], "/api/v1/people?limit=3", 0
    while url:
        answer = people_api.get(url).json
        names += answer["items"]
        url = local(answer["next"]) if answer["next"] else None
        pages += 1

    assert names == [f"P{n}" for n in (6, 5, 4, 3, 2, 1, 0)]
    assert pages == 3


def test_the_next_link_is_absolute_and_keeps_the_callers_limit(people_api):
    for n in range(3):
        make_person(given_name=f"P{n}")

    answer = people_api.get("/api/v1/people?limit=2").json

    assert answer["next"].startswith("https://minhelse.example/api/v1/people?")
    assert "limit=2" in answer["next"] and "cursor=" in answer["next"]
    assert people_api.get("/api/v1/people?limit=3").json["next"] is None


def test_a_row_added_between_pages_neither_repeats_nor_shifts_the_next_page(people_api):
    for n in range(4):
        make_person(date(1990, 1, 1 + n), given_name=f"P{n}")

    first = people_api.get("/api/v1/people?limit=2").json
    make_person(date(1999, 1, 1), given_name="Newer")
    second = people_api.get(local(first["next"])).json

    assert first["items"] == ["P3", "P2"]
    assert second["items"] == ["P1", "P0"]


def test_ascending_order_on_a_single_key(people_api):
    for n in range(3):
        make_person(given_name=f"P{n}")

    first = people_api.get("/people?limit=2").json
    second = people_api.get(f"/people?limit=2&cursor={first['next']}").json

    assert first["items"] + second["items"] == ["P0", "P1", "P2"]
    assert second["next"] is None


@pytest.mark.parametrize(("limit", "status"), [
    ("1", 200), ("200", 200), ("0", 422), ("201", 422), ("-1", 422), ("x", 422),
])
def test_the_limit_is_between_1_and_200(people_api, limit, status):
    response = people_api.get(f"/api/v1/people?limit={limit}")

    assert response.status_code == status
    if status == 422:
        assert response.mimetype == "application/problem+json"
        assert "limit" in response.json["errors"]


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "not base64!", _cursor({"a": 1}), _cursor([1]), _cursor(["1990-01-01", "7"]),
    _cursor(["1990-13-01", 7]), _cursor([True, 7]), "", "%FF",
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
])
def test_a_cursor_that_was_not_ours_is_400_problem_on_the_api(people_api, cursor):
    response = people_api.get("/api/v1/people", query_string={"cursor": cursor})

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_a_cursor_that_was_not_ours_is_400_on_a_page(people_api):
    assert people_api.get("/people?cursor=abc").status_code == 400
    assert people_api.get("/people?limit=0").status_code == 400


def test_a_moment_in_a_cursor_must_carry_its_offset(make_app, db):
    from citizen.api.paging import PageArgs
    from services.people.models import Person

    app = make_app()
    with app.test_request_context("/api/v1/x"), pytest.raises(ApiError) as refused:
        keyset_page(sa.select(Person), keys=(Person.created_at, Person.id),
                    args=PageArgs(limit=1, cursor=_cursor(["2026-01-01T10:00:00", 1])))
    assert refused.value.code == 400
    with app.test_request_context("/api/v1/x"):
        page = keyset_page(sa.select(Person), keys=(Person.created_at, Person.id),
                           args=PageArgs(limit=1, cursor=_cursor(
                               ["2026-01-01T10:00:00+00:00", 1])))
    assert page.items == []
