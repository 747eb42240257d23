"""Flask-Babel with the request's catalogue and language looked up once a request.

Flask-Babel finds the locale and the catalogue anew on every ``gettext``: three lookups
through ``g``'s proxy, the locale's name rebuilt for the catalogue cache's key, ~12 µs a
call. A page of 50 worklist rows makes ~250 such calls, the base layout alone ~40. Here the
catalogue is kept where Flask-Babel itself keeps the request's Babel state (``g._flask_babel``,
the ``babel_translations`` slot that ``force_locale`` and ``refresh`` reset), so messages in
another language (an SMS in the person's own) still come from the right catalogue."""

from __future__ import annotations

from functools import cached_property
from types import SimpleNamespace

import flask_babel
from babel.support import NullTranslations, Translations
from flask import g
from jinja2 import pass_eval_context
from markupsafe import Markup


def _babel_state() -> SimpleNamespace | None:
    """Flask-Babel's per-request state, reached without going through ``g``'s proxy on
    each attribute; None outside an application context."""
    try:
        real_g = g._get_current_object()
    except RuntimeError:
        return None
    state = getattr(real_g, "_flask_babel", None)
    return state if state is not None else flask_babel._get_current_context()


def translations() -> Translations | NullTranslations:
    """The catalogue of the current (or forced) locale."""
    state = _babel_state()
    found = getattr(state, "babel_translations", None) if state is not None else None
    return found if found is not None else flask_babel.get_translations()


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext``, without its lookups (see the module)."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Flask-Babel's ``ngettext``: ``%(num)d`` is there to use."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def language() -> str:
    """The current (or forced) locale's language code: ``nb``, ``nn`` or ``en``."""
    state = _babel_state()
    locale = getattr(state, "babel_locale", None) if state is not None else None
    if locale is None:
        locale = flask_babel.get_locale()
    return locale.language if locale is not None else "nb"


class RequestDomain(flask_babel.Domain):
    """The message domain, its catalogue kept on the request (see the module). The slot is
    one per request: the project has one domain."""

    def get_translations(self) -> Translations | NullTranslations:
        state = _babel_state()
        if state is None:
            return super().get_translations()
        found = getattr(state, "babel_translations", None)
        if found is None:
            found = state.babel_translations = super().get_translations()
        return found


class RequestBabel(flask_babel.Babel):
    """Flask-Babel whose domain keeps the request's catalogue, and whose Jinja ``_()`` goes
    straight to it."""

    @cached_property
    def domain_instance(self) -> RequestDomain:
        return RequestDomain(domain=self.domain)

    def init_app(self, app, *args, **kwargs) -> None:
        super().init_app(app, *args, **kwargs)
        app.jinja_env.install_gettext_callables(
            gettext=lambda s: translations().ugettext(s),
            ngettext=lambda s, p, n: translations().ungettext(s, p, n),
            pgettext=lambda c, s: translations().upgettext(c, s),
            npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
            newstyle=True,
        )
        # Jinja's newstyle ``gettext`` takes the whole template context to call the
        # catalogue through it again (two ``Context.call`` a message), and in a block or
        # loop with variables of its own copies the context first. These need only the
        # autoescape setting, and do what Jinja's do (jinja2.ext._make_new_gettext).
        # ``_`` is the same function: Jinja would look ``gettext`` up on each call.
        app.jinja_env.globals.update(gettext=_jinja_gettext, _=_jinja_gettext,
                                     ngettext=_jinja_ngettext)


@pass_eval_context
def _jinja_gettext(eval_ctx, string: str, /, **variables) -> str:
    text = translations().ugettext(string)
    # Always a format string, as in Jinja's: "%%" is "%" with or without variables.
    # The catalogue's text is trusted markup, as in Jinja's: the variables are escaped.
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704


@pass_eval_context
def _jinja_ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    # The catalogue's text is trusted markup, as in Jinja's: the variables are escaped.
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704
