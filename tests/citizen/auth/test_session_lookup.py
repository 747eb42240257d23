"""Every request with a cookie finds its session and whoever holds it in one query."""

from __future__ import annotations

import sqlalchemy as sa

from services.db import db
from services.people.models import Role
from tests.citizen.pages import sign_in_citizen, sign_in_staff
from tests.plugins.factories import make_organisation, make_person, make_staff


def _statements(client, path: str) -> list[str]:
    db.session.expunge_all()  # as every request starts outside the tests: nothing loaded
    seen: list[str] = []

    def keep(_connection, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", keep)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", keep)
    return seen


def _alone(table: str, statements: list[str]) -> list[str]:
    """Statements that read only ``table`` by its primary key (a lookup of one row)."""
    return [s for s in statements
            if s.startswith("SELECT") and f"FROM {table} WHERE {table}.id =" in s]


def test_a_citizen_comes_with_her_session(client):
    sign_in_citizen(client, make_person())
    seen = _statements(client, "/api/v1/notification-settings")
    [session] = [s for s in seen if "FROM web_sessions" in s]
    assert "JOIN people" in session
    assert _alone("people", seen) == []


def test_a_staff_member_comes_with_his_session(client):
    hospital = make_organisation()
    sign_in_staff(client, make_staff(hospital, Role.ADMIN), hospital)
    seen = _statements(client, "/staff")
    [session] = [s for s in seen if "FROM web_sessions" in s]
    assert "JOIN staff_members" in session
    assert _alone("staff_members", seen) == []
