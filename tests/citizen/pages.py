"""Helpers for page tests: a browser holding a session, without the login round trip."""

from __future__ import annotations

import re
from datetime import timedelta

from services.actors import Actor
from services.db import db
from services.sessions.service import SessionKind, start_session
from tests.plugins.login import set_session_cookie

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in_citizen(client, person) -> None:
    _, token = start_session(kind=SessionKind.CITIZEN, actor=Actor.person(person.id),
                             absolute_timeout=timedelta(hours=12), person_id=person.id)
    db.session.commit()
    set_session_cookie(client, token)


def sign_in_staff(client, staff, organisation) -> None:
    _, token = start_session(kind=SessionKind.STAFF,
                             actor=Actor.staff(staff.id, organisation_id=organisation.id),
                             absolute_timeout=timedelta(hours=12), staff_id=staff.id,
                             organisation_id=organisation.id)
    db.session.commit()
    set_session_cookie(client, token)


def text(response) -> str:
    return response.get_data(as_text=True)


def csrf(html: str) -> str:
    return _CSRF.search(html).group(1)
