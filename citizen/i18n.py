"""Language: Norwegian bokmål by default, nynorsk and English on request; dates as people
read and write them, in Norwegian time."""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, time
from urllib.parse import urlencode

from babel import dates as babel_dates
from flask import Flask, g, has_request_context, request
from markupsafe import Markup

from citizen import babel_cache
from citizen.extensions import babel
from services.clock import NORWAY

LANGUAGES = ("nb", "nn", "en")
#: Each language's name in that language: the links are read by those who need them.
LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}
COOKIE = "lang"
#: Browsers often send plain "no" for Norwegian; bokmål is what most of them mean.
_ALIASES = {"no": "nb", "nb-no": "nb", "nn-no": "nn"}
#: CLDR's "long" formats say "kl. 10:30:00 CET"; Norwegian writing says "kl. 10.30"
#: (Språkrådet), and nobody needs the seconds or the zone name in Norway.
_DATE_FORMATS = {"nb": "d. MMMM y", "nn": "d. MMMM y", "en": "d MMMM y"}
_TIME_FORMATS = {"nb": "'kl'. HH.mm", "nn": "'kl'. HH.mm", "en": "'at' HH:mm"}
_WRITTEN_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", re.ASCII)


def select_locale() -> str:
    """Pick ``?lang=``, then the remembered choice, then the browser's preference; outside
    a request (a worker's task), the default: bokmål."""
    if not has_request_context():
        return "nb"
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


def current_language() -> str:
    return babel_cache.language()


def when(value: date | datetime | None) -> str:
    """A date, or a moment in Europe/Oslo time, as the reader's language writes it:
    ``1. desember 2026 kl. 10.30``; naive datetimes are UTC (as the database stores them)."""
    if value is None:
        return ""
    lang = current_language()
    if isinstance(value, datetime):
        local = _in_norway(value)
        return f"{_day_in(local.date(), lang)} {_clock_in(local.hour, local.minute, lang)}"
    return _day_in(value, lang)


def day(value: date | datetime) -> str:
    """The date alone (a moment's date in Norwegian time): ``1. desember 2026``."""
    if isinstance(value, datetime):
        value = _in_norway(value).date()
    return _day_in(value, current_language())


def clock(value: datetime) -> str:
    """The time of day alone, in Norwegian time: ``kl. 10.30``."""
    local = _in_norway(value)
    return _clock_in(local.hour, local.minute, current_language())


def time_element(value: date | datetime) -> Markup:
    """``<time datetime="2026-12-01T09:30:00+00:00">1. desember 2026 kl. 10.30</time>``:
    the components' ``time`` macro, which calls this; a list of 25 calls it as a filter
    (a macro call is ~10 µs of Jinja's argument handling)."""
    return Markup('<time datetime="{}">{}</time>').format(value.isoformat(), when(value))


def _in_norway(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(NORWAY)


# Babel parses the pattern and builds the locale's calendar on every call (~20-50 µs, and
# a list shows dozens of dates): each day and each minute is formatted once per language.
@functools.lru_cache(maxsize=4096)
def _day_in(value: date, language: str) -> str:
    return babel_dates.format_date(value, _DATE_FORMATS[language], locale=language)


@functools.lru_cache(maxsize=3 * 24 * 60)
def _clock_in(hour: int, minute: int, language: str) -> str:
    # Keyed by the minute: moments with seconds would each be a new entry.
    return babel_dates.format_time(time(hour, minute), _TIME_FORMATS[language],
                                   locale=language)


def parse_day(text: str) -> date | None:
    """A day as people write it (``1.3.2027``, ``01.03.2027``) or as a date field sends it
    (``2027-03-01``); None when it is not a day."""
    text = text.strip()
    try:
        if match := _WRITTEN_DAY.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if len(text) == 10 and text.isascii():
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None


def language_url(code: str) -> str:
    """This page, with its query, in language ``code``. A page shown in answer to a POST
    (a form with errors) names in ``g.page_query`` the query that shows it again."""
    return _language_prefix() + code


def language_links() -> list[tuple[str, str, str]]:
    """Each language's code, name and :func:`language_url`, the query encoded once (the
    footer of every page)."""
    prefix = _language_prefix()
    return [(code, name, prefix + code) for code, name in LANGUAGE_NAMES.items()]


def _language_prefix() -> str:
    """This page's address and query without ``lang``, up to ``lang=``: the codes are
    letters, which ``urlencode`` would leave as they are."""
    query = g.get("page_query")
    pairs = query.items() if query is not None else request.args.items(multi=True)
    kept = urlencode([(k, v) for k, v in pairs if k != "lang"])
    return f"{request.path}?{kept}&lang=" if kept else f"{request.path}?lang="


def register_babel(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    app.add_template_filter(when)
    app.add_template_filter(day)
    app.add_template_filter(clock)
    app.add_template_filter(time_element)
    app.add_template_global(language_url)
    app.add_template_global(language_links)

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
        return {"current_language": current_language(), "languages": LANGUAGE_NAMES}
