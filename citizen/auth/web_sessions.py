"""The HTTP side of sessions: start one for this browser at login, end it at logout."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app, g, redirect
from flask import session as flask_session

from citizen.auth import cookies
from citizen.auth.current import current_session
from citizen.auth.oidc import VerifiedLogin
from services.actors import Actor
from services.sessions import service as sessions


def log_in(*, kind: sessions.SessionKind, actor: Actor, login: VerifiedLogin, next_url: str,
           person_id: int | None = None, staff_id: int | None = None,
           organisation_id: int | None = None) -> Response:
    """Start a fresh session (new token: no fixation), end the browser's old one, redirect."""
    if (old := current_session()) is not None:
        sessions.end_session(web_session=old, actor=g.actor)
    web_session, token = sessions.start_session(
        kind=kind, actor=actor, person_id=person_id, staff_id=staff_id,
        organisation_id=organisation_id, acr=login.acr, id_token=login.id_token,
        absolute_timeout=timedelta(seconds=current_app.config["SESSION_ABSOLUTE_TIMEOUT"]),
    )
    g.web_session = web_session
    g.session_kind = kind
    g.drop_session_cookie = False
    response = redirect(next_url)
    cookies.set_token(response, token)
    return response


def log_out() -> tuple[str | None, str | None]:
    """End this browser's session; return its kind and id_token (for the provider's logout)."""
    web_session = current_session()
    flask_session.clear()
    if web_session is None:
        return None, None
    id_token = sessions.id_token_of(web_session)
    sessions.end_session(web_session=web_session, actor=g.actor)
    return web_session.kind, id_token
