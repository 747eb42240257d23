"""The session cookie: a random token and nothing else, HttpOnly, SameSite=Lax.

Outside development it is Secure and carries the ``__Host-`` prefix, which makes browsers
refuse it unless it is Secure, host-only and for path ``/``: a sibling subdomain cannot
plant a session cookie of its own (a fixation attack on the token).
"""

from __future__ import annotations

from flask import Response, current_app, request

NAME = "minhelse_session"


def cookie_name() -> str:
    return f"__Host-{NAME}" if _secure() else NAME


def read_token() -> str | None:
    return request.cookies.get(cookie_name())


def set_token(response: Response, token: str) -> None:
    # No max_age: the cookie dies with the browser; the server ends the session anyway.
    response.set_cookie(cookie_name(), token, path="/", secure=_secure(), httponly=True,
                        samesite="Lax")


def clear_token(response: Response) -> None:
    response.delete_cookie(cookie_name(), path="/", secure=_secure(), httponly=True,
                           samesite="Lax")


def _secure() -> bool:
    return bool(current_app.config["SESSION_COOKIE_SECURE"])
