"""Citizen login, logout, choosing whom to act for, and ``GET /api/v1/me`` (routed by
``citizen/api/blueprint.py``)."""

from __future__ import annotations

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask import session as flask_session
from werkzeug.exceptions import NotFound

from citizen.api.operations import operation
from citizen.auth import cookies, oidc
from citizen.auth.current import (
    acting_for,
    current_citizen,
    current_session,
    login_required,
    person_label,
)
from citizen.auth.redirects import safe_next
from citizen.auth.schemas import ActingForForm, MeSchema
from citizen.auth.web_sessions import log_in, log_out
from citizen.babel_cache import gettext as _
from citizen.payloads import load_form
from services.actors import Actor
from services.clock import today_in_norway
from services.people import service as people
from services.people.representation import representations
from services.sessions import service as sessions

#: Where the login round trip remembers the page to return to.
NEXT_KEY = "auth_next"
#: Who registers a person we meet for the first time at login: the identity provider
#: vouched for them (the dev provider stands in for ID-porten in development).
REGISTERED_BY = "idporten"


def public_url(endpoint: str, **values) -> str:
    """An absolute URL under PUBLIC_BASE_URL: never built from the request's Host header."""
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)


def login_failed(exc: oidc.LoginFailed, *, retry_endpoint: str) -> Response:
    """The login did not finish; cancelling at the provider is a choice, not a failure."""
    cancelled = exc.reason == "cancelled"
    template = "auth/login_cancelled.html" if cancelled else "auth/login_failed.html"
    html = render_template(template, message=exc.message, retry_url=url_for(retry_endpoint))
    return Response(html, status=exc.status, mimetype="text/html")


def login():
    flask_session[NEXT_KEY] = safe_next(request.args.get("next"), default="")
    try:
        return oidc.begin_login(oidc.CITIZEN, callback_url=public_url("auth.callback"))
    except oidc.LoginFailed as exc:
        return login_failed(exc, retry_endpoint="auth.login")


def callback():
    try:
        verified = oidc.finish_login(oidc.CITIZEN)
    except oidc.LoginFailed as exc:
        return login_failed(exc, retry_endpoint="auth.login")
    person = people.find_person(national_id=verified.national_id)
    if person is None:
        given, family = _names(verified.claims)
        person = people.register_person(
            national_id=verified.national_id, given_name=given, family_name=family,
            actor=Actor.system(REGISTERED_BY, request_id=g.get("request_id")),
        )
    next_url = safe_next(flask_session.pop(NEXT_KEY, None), default="") or _landing(person)
    return log_in(kind=sessions.SessionKind.CITIZEN, login=verified, next_url=next_url,
                  person_id=person.id,
                  actor=Actor.person(person.id, request_id=g.get("request_id")))


def _landing(person) -> str:
    """Min side; first the choice of whom to act for, if there is anyone but oneself."""
    if len(representations(actor=person, today=today_in_norway())) > 1:
        return url_for("auth.acting_for")
    return url_for("home.citizen_home")


def _names(claims: dict) -> tuple[str, str]:
    """Given and family name from the id_token; ID-porten itself sends none, and the
    hospital system's registration fills them in later."""
    given, family = claims.get("given_name"), claims.get("family_name")
    if isinstance(given, str) or isinstance(family, str):
        given = given if isinstance(given, str) else ""
        family = family if isinstance(family, str) else ""
        return given.strip()[:200], family.strip()[:200]
    full = claims.get("name")
    if isinstance(full, str) and full.strip():
        *first, last = full.split()
        return " ".join(first)[:200], last[:200]
    return "", ""


def logout():
    kind, id_token = log_out()
    landing = "auth.staff_logged_out" if kind == sessions.SessionKind.STAFF else "auth.logged_out"
    target = None
    if kind is not None:
        target = oidc.logout_url(kind, id_token=id_token,
                                 post_logout_redirect_uri=public_url(landing))
    response = redirect(target or url_for(landing))
    cookies.clear_token(response)
    return response


def logged_out():
    return render_template("auth/logged_out.html", login_url=url_for("auth.login"))


def staff_logged_out():
    return render_template("auth/logged_out.html", login_url=url_for("auth.staff_login"))


def timed_out():
    """Where a page that needs login sends a browser whose session ran out of time."""
    staff = request.args.get("staff") == "1"
    next_url = safe_next(request.args.get("next"), default="")
    login = "auth.staff_login" if staff else "auth.login"
    return render_template(
        "auth/timed_out.html",
        minutes=current_app.config["SESSION_IDLE_TIMEOUT"] // 60,
        login_url=url_for(login, next=next_url) if next_url else url_for(login),
    )


@login_required
def acting_for_page():
    person = current_citizen()
    return render_template(
        "auth/acting_for.html",
        person=person,
        current=acting_for(),
        choices=representations(actor=person, today=today_in_norway()),
        next=safe_next(request.args.get("next"), default=""),
    )


@login_required
def choose_acting_for():
    form = load_form(ActingForForm())
    try:
        chosen = sessions.act_for(web_session=current_session(), person=current_citizen(),
                                  subject_id=form["person_id"], actor=g.actor,
                                  today=today_in_norway())
    except people.NotFound:
        raise NotFound() from None
    subject = chosen.subject
    if subject.id == current_citizen().id:
        flash(_("You are now using the services for yourself."), "success")
    else:
        flash(_("You are now acting for %(name)s.", name=person_label(subject)), "success")
    return redirect(safe_next(form["next"], default=url_for("home.citizen_home")), code=303)


@operation(summary="Who is logged in, whom they act for, and whom they may act for",
           responses={200: MeSchema}, tags=("account",))
@login_required
def me():
    person = current_citizen()
    return MeSchema().dump({
        "person": person,
        "acting_for": acting_for(),
        "may_act_for": representations(actor=person, today=today_in_norway()),
    })
