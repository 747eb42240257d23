"""Unbound extension objects; ``create_app`` binds them with ``init_app``."""

import functools

from flask import Flask, Response, current_app, g, request
from flask.globals import request_ctx
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from citizen.babel_cache import RequestBabel
from services.db import db


class DeclaredLimiter(Limiter):
    """A Limiter that leaves requests alone unless some limit could apply to them.

    Its before-request hook applies default, application and blueprint limits; views with
    ``@limiter.limit`` check their own limits when called. With none of the first three
    configured the hook only resolved empty lists, for a fifth of what ``/healthz`` cost.
    Likewise its after-request hook (the X-RateLimit headers, deductions) only runs where a
    limit was checked.
    """

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        hooks = app.after_request_funcs.get(None, [])
        for index, hook in enumerate(hooks):
            if isinstance(hook, functools.partial) and hook.args == (self,):
                hooks[index] = functools.partial(_if_limits_checked, hook)
        # Its teardown made a per-request limiter context only to reset it (a twentieth of
        # /healthz); a context exists where a limit was looked at, and only there needs it.
        teardowns = app.teardown_request_funcs.get(None, [])
        for index, hook in enumerate(teardowns):
            if hook == self._Limiter__release_context:
                teardowns[index] = functools.partial(_if_context_made, hook)

    def _check_request_limit(self, callable_name: str | None = None,
                             in_middleware: bool = True) -> None:
        manager = self.limit_manager
        if in_middleware and not (manager.default_limits or manager.application_limits
                                  or manager._blueprint_limits):
            return
        g.rate_limits_checked = True
        super()._check_request_limit(callable_name, in_middleware)


def _if_limits_checked(inject_headers, response: Response) -> Response:
    return inject_headers(response) if g.get("rate_limits_checked") else response


def _if_context_made(release, exc: BaseException | None = None) -> None:
    # Looked up in the context's own attributes: ``hasattr`` through the proxy raised and
    # caught an AttributeError on every request that had no limiter context.
    if "_limiter_request_context" in vars(request_ctx._get_current_object()):
        release(exc)


class SafeMethodsCSRFProtect(CSRFProtect):
    """CSRFProtect that lets GET, HEAD and OPTIONS through before looking up exemptions,
    which it otherwise does first on every request."""

    def protect(self, apply_exemptions: bool = False) -> None:
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        super().protect(apply_exemptions=apply_exemptions)


babel = RequestBabel()
migrate = Migrate()
#: Every state-changing form needs a CSRF token; bearer-token APIs are exempted per blueprint.
csrf = SafeMethodsCSRFProtect()
#: No default limits: login and token endpoints declare their own.
limiter = DeclaredLimiter(key_func=get_remote_address, default_limits=[])

__all__ = ["babel", "csrf", "db", "limiter", "migrate"]
