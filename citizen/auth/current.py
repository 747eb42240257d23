"""Who is logged in: loaded into ``flask.g`` before each request, and the decorators to require it.

What later features use::

    from citizen.auth.current import acting_for, current_citizen, login_required, staff_required

    @login_required                        # a citizen; pages redirect to login, the API says 401
    def appointments():
        subject = acting_for().subject     # whom the citizen acts for now (themself by default)
        ... service(..., actor=g.actor)    # Actor.person(..., on_behalf_of=subject id or None)

    @staff_required(role=Role.INFECTION_CONTROL)   # staff with that role in their chosen org
    def worklist():
        ... service(..., actor=g.actor)    # Actor.staff(..., organisation_id=...)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, redirect, request, url_for
from werkzeug.exceptions import Forbidden

from citizen.auth import cookies
from citizen.babel_cache import gettext as _
from citizen.errors import ApiError, wants_json
from citizen.i18n import when
from services.actors import Actor
from services.clock import today_in_norway, utcnow
from services.db import db
from services.people.models import Organisation, Person, Role, StaffMember
from services.people.representation import ALL_AREAS, Basis, Representation, representations
from services.people.service import staff_roles
from services.sessions import service as sessions
from services.sessions.models import WebSession


def register_current_user(app: Flask) -> None:
    app.before_request(load_current_user)

    @app.after_request
    def drop_dead_cookie(response: Response) -> Response:
        if g.get("drop_session_cookie"):
            cookies.clear_token(response)
        return response

    app.add_template_global(person_label)
    app.context_processor(account_context)


def load_current_user() -> None:
    """Find the session behind the cookie and set ``g.actor`` and friends, or leave them None."""
    # Through g's proxy once, not six times (on every request, probes and FHIR included).
    state = g._get_current_object()
    state.web_session = state.person = state.staff = state.acting_for = state.actor = None
    state.staff_roles = frozenset()
    if "HTTP_COOKIE" not in request.environ or request.endpoint == "static":
        return  # systems (FHIR, webhooks, probes) send no cookies: nothing to parse
    token = cookies.read_token()
    if not token:
        return
    idle = timedelta(seconds=current_app.config["SESSION_IDLE_TIMEOUT"])
    web_session = sessions.find_session(token=token, idle_timeout=idle)
    if web_session is None or not _load_user(web_session):
        g.drop_session_cookie = True
        g.session_timed_out = _timed_out(token, idle)
        return
    use_session(web_session)
    sessions.touch_session(web_session=web_session)


def use_session(web_session: WebSession) -> None:
    """Make ``web_session`` the request's."""
    g.web_session = web_session
    # Kept: after the request's commit the row is expired, and reading its kind in an
    # after-request hook (csp.py) would load it again, one more statement for every page.
    g.web_session_kind = web_session.kind


def _timed_out(token: str, idle: timedelta) -> bool:
    """Whether the browser's session ended by itself for lack of activity (not by logout)."""
    dead = db.session.scalar(sa.select(WebSession).where(
        WebSession.token_hash == sessions.hash_token(token)))
    return (dead is not None and dead.ended_at is None
            and utcnow() >= dead.last_seen_at + idle)


def _load_user(web_session: WebSession) -> bool:
    request_id = g.get("request_id")
    if web_session.kind == sessions.SessionKind.CITIZEN:
        person = web_session.person
        if person is None:
            return False
        g.person = person
        g.acting_for = _acting_for(web_session, person)
        subject_id = g.acting_for.subject.id
        g.actor = Actor.person(person.id, request_id=request_id,
                               on_behalf_of=None if subject_id == person.id else subject_id)
        return True
    staff = web_session.staff
    if staff is None or not staff.is_active:
        return False
    g.staff = staff
    g.staff_roles = frozenset(staff_roles(staff).get(web_session.organisation_id, ()))
    g.actor = Actor.staff(staff.id, organisation_id=web_session.organisation_id,
                          request_id=request_id)
    return True


def _acting_for(web_session: WebSession, person: Person) -> Representation:
    """The chosen subject while the person may still act for them (rules are checked anew
    on every request: a fullmakt can be revoked, a child turns 16), else the person."""
    if web_session.acting_for_person_id is not None:
        for rep in representations(actor=person, today=today_in_norway()):
            if rep.subject.id == web_session.acting_for_person_id:
                return rep
        web_session.acting_for_person_id = None
    return Representation(subject=person, basis=Basis.SELF, areas=ALL_AREAS)


def current_session() -> WebSession | None:
    return g.get("web_session")


def current_session_kind() -> sessions.SessionKind | None:
    """The request's session's kind, read without the database (see ``use_session``)."""
    return g.get("web_session_kind") if current_session() is not None else None


def current_citizen() -> Person | None:
    """The logged-in citizen (not the person they act for)."""
    return g.get("person")


def acting_for() -> Representation | None:
    """Whom the logged-in citizen acts for now, on what basis and in which areas."""
    return g.get("acting_for")


def current_staff() -> StaffMember | None:
    return g.get("staff")


def current_staff_roles() -> frozenset[Role]:
    """The staff member's roles in the organisation they chose at login."""
    return g.get("staff_roles", frozenset())


def login_required(view: Callable) -> Callable:
    """Require a logged-in citizen: pages redirect to login, the JSON API answers 401."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_citizen() is None:
            return _login_needed("auth.login")
        return view(*args, **kwargs)

    return wrapped


def staff_required(view: Callable | None = None, *, role: Role | None = None,
                   organisation: bool = True) -> Callable:
    """Require logged-in staff who chose an organisation and, if given, hold ``role`` there.

    Use as ``@staff_required`` or ``@staff_required(role=Role.ADMIN)``.
    ``organisation=False`` is for the page where they choose the organisation.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_staff() is None:
                return _login_needed("auth.staff_login")
            if organisation and current_session().organisation_id is None:
                if wants_json():
                    raise ApiError(403, "choose an organisation first")
                return redirect(url_for("auth.staff_organisation", next=_here()))
            if organisation and not current_staff_roles():
                raise Forbidden()  # their roles there were taken away during the session
            if role is not None and role not in current_staff_roles():
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


def _login_needed(login_endpoint: str):
    if wants_json():
        raise ApiError(401, "log in first", title="Unauthorized")
    if g.get("session_timed_out"):
        staff = login_endpoint == "auth.staff_login"
        return redirect(url_for("auth.timed_out", next=_here(), **({"staff": 1} if staff else {})))
    return redirect(url_for(login_endpoint, next=_here()))


def _here() -> str:
    return request.full_path.rstrip("?")


def person_label(person: Person) -> str:
    """The person's name, or a neutral label: ID-porten sends only the identity number, and
    the register may not have filled the name in yet. Never a blank."""
    return person.name.strip() or _("Name not registered (born %(date)s)",
                                      date=when(person.birth_date))


def account_context() -> dict[str, Any]:
    """Who is logged in, whom they act for, and the header's links, for every page."""
    web_session = current_session()
    if web_session is None:
        return {"account_kind": None, "acting_for_other": False,
                "home_url": url_for("home.front_page")}
    if (person := current_citizen()) is not None:
        subject = acting_for().subject
        return {
            "account_kind": web_session.kind,
            "account_name": person_label(person),
            "acting_for_other": subject.id != person.id,
            "acting_subject_label": person_label(subject),
            "acting_self_id": person.id,
            "home_url": url_for("home.citizen_home"),
            "service_links": [(_("My page"), url_for("home.citizen_home"), "home.citizen_home"),
                              (_("Whom you act for"), url_for("auth.acting_for"),
                               "auth.acting_for")],
        }
    organisation = (db.session.get(Organisation, web_session.organisation_id)
                    if web_session.organisation_id is not None else None)
    return {
        "account_kind": web_session.kind,
        "account_name": current_staff().name.strip() or _("Staff member"),
        "account_organisation": organisation.name if organisation else None,
        "acting_for_other": False,
        "home_url": url_for("home.staff_home"),
        "service_links": [(_("Staff home"), url_for("home.staff_home"), "home.staff_home"),
                          (_("Choose where you work"), url_for("auth.staff_organisation"),
                           "auth.staff_organisation")],
    }
