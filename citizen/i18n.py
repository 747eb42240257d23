"""Language: Norwegian bokmål by default, nynorsk and English on request."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale

from citizen.extensions import babel

LANGUAGES = ("nb", "nn", "en")
COOKIE = "lang"
#: Browsers often send plain "no" for Norwegian; bokmål is what most of them mean.
_ALIASES = {"no": "nb", "nb-no": "nb", "nn-no": "nn"}


def select_locale() -> str:
    """Pick ``?lang=``, then the remembered choice, then the browser's preference."""
    for chosen in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if chosen in LANGUAGES:
            return chosen
    for offered, _quality in request.accept_languages:
        lang = _ALIASES.get(offered.lower(), offered.lower())
        if lang in LANGUAGES:
            return lang
        if lang.split("-")[0] in LANGUAGES:
            return lang.split("-")[0]
    return "nb"


def register_babel(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )

    @app.after_request
    def remember_language(response):
        if b"lang=" not in request.query_string:
            return response  # most requests: not worth parsing the query string for
        chosen = request.args.get("lang")
        if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax",
                                secure=app.config["SESSION_COOKIE_SECURE"], httponly=True)
        return response

    @app.context_processor
    def language_context():
        return {"current_language": str(get_locale() or "nb"), "languages": LANGUAGES}
