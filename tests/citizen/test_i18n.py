"""Dates as people read them, in Norwegian time; language links that keep the page."""

from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import refresh

from citizen.i18n import parse_day, when
from tests.citizen.pages import text

MIDNIGHT_OSLO = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # 1 December 00.00 in Oslo


@pytest.mark.parametrize(("lang", "moment", "expected"), [
    ("nb", datetime(2026, 12, 1, 9, 30, tzinfo=UTC), "1. desember 2026 kl. 10.30"),
    ("nn", datetime(2026, 12, 1, 9, 30, tzinfo=UTC), "1. desember 2026 kl. 10.30"),
    ("en", datetime(2026, 12, 1, 9, 30, tzinfo=UTC), "1 December 2026 at 10:30"),
    # The minute as the clock shows it: seconds cut, never rounded up.
    ("nb", datetime(2026, 12, 1, 9, 30, 59, 999999, tzinfo=UTC), "1. desember 2026 kl. 10.30"),
    # Midnight in Oslo is still the day before in UTC: the Norwegian date wins.
    ("nb", MIDNIGHT_OSLO, "1. desember 2026 kl. 00.00"),
    ("en", datetime(2026, 11, 30, 22, 59, tzinfo=UTC), "30 November 2026 at 23:59"),
    # Naive datetimes are UTC, as the database stores them.
    ("nb", datetime(2026, 11, 30, 23, 0), "1. desember 2026 kl. 00.00"),
    # Summer time starts 29 March 2026 at 02.00 (01.00 UTC): clocks jump to 03.00.
    ("nb", datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29. mars 2026 kl. 01.59"),
    ("nb", datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29. mars 2026 kl. 03.00"),
    # It ends 25 October 2026 at 03.00 (01.00 UTC): 02.xx happens twice.
    ("nn", datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25. oktober 2026 kl. 02.30"),
    ("nn", datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25. oktober 2026 kl. 02.30"),
    ("en", datetime(2026, 10, 25, 1, 0, tzinfo=UTC), "25 October 2026 at 02:00"),
    # A date is a date: no time, no time zone shift.
    ("nb", date(2026, 12, 1), "1. desember 2026"),
    ("nn", date(2026, 5, 17), "17. mai 2026"),
    ("en", date(2026, 5, 17), "17 May 2026"),
])
def test_dates_read_as_each_language_writes_them(app, lang, moment, expected):
    with app.test_request_context(f"/?lang={lang}"):
        assert when(moment) == expected


@pytest.mark.parametrize(("written", "day"), [
    ("1.3.2027", date(2027, 3, 1)), ("01.03.2027", date(2027, 3, 1)),
    (" 29.2.2028 ", date(2028, 2, 29)), ("2027-03-01", date(2027, 3, 1)),
    ("31.12.9999", date(9999, 12, 31)),
])
def test_a_day_is_read_as_people_write_it(written, day):
    assert parse_day(written) == day


@pytest.mark.parametrize("written", [
    "", "29.2.2027", "32.1.2027", "1.13.2027", "1.3.27", "1.3.10000", "1/3/2027",
    "\uff11.3.2027", "1.3.\u0662\u0660\u0662\u0667", "2027-3-1", "2027-02-30", "20270301",
    "1.3.2027.", "0.3.2027",
])
def test_what_is_not_a_day_is_none(written):
    assert parse_day(written) is None


def test_nothing_to_show_is_an_empty_string(app):
    with app.test_request_context("/"):
        assert when(None) == ""


def _language_links(page: str) -> dict[str, str]:
    links = {}
    for code in ("nb", "nn", "en"):
        marker = f'lang="{code}" hreflang="{code}"'
        start = page.rindex('href="', 0, page.index(marker)) + len('href="')
        links[code] = page[start:page.index('"', start)].replace("&amp;", "&")
    return links


@pytest.mark.parametrize("path", ["/contact?x=1&y=a+b", "/privacy", "/no-such-page?q=2"])
def test_language_links_keep_the_page_and_its_query(client, path):
    links = _language_links(text(client.get(path)))
    for code, link in links.items():
        parts = urlsplit(link)
        assert parts.path == urlsplit(path).path
        query = parse_qs(parts.query)
        assert query.pop("lang") == [code]
        assert query == parse_qs(urlsplit(path).query)


def test_a_language_link_replaces_the_chosen_language(client):
    links = _language_links(text(client.get("/contact?lang=en&x=1")))
    assert links["nn"] == "/contact?x=1&lang=nn"
    refresh()  # the test's app context outlives the request; a browser's would not
    assert '<html lang="nn">' in text(client.get(links["nn"]))


def test_the_catalogue_kept_for_the_request_follows_a_forced_language(app):
    """The request keeps its catalogue (citizen/babel_cache.py), yet a message in another
    language, as an SMS in the person's own, still comes from that language's catalogue,
    in Python and in templates, and the request's language returns after it."""
    from flask import render_template_string
    from flask_babel import force_locale
    from flask_babel import gettext as babel_gettext  # noqa: TID251 (the library's own, compared)

    from citizen.babel_cache import gettext, ngettext
    from citizen.i18n import current_language

    def seen():
        return (current_language(), gettext("Staff home"), babel_gettext("Staff home"),
                render_template_string("{{ _('Staff home') }}|{{ gettext('Staff home') }}"))

    with app.test_request_context("/?lang=nn"):
        assert seen() == ("nn", "Startside for tilsette", "Startside for tilsette",
                          "Startside for tilsette|Startside for tilsette")
        with force_locale("nb"):
            assert seen() == ("nb", "Startside for ansatte", "Startside for ansatte",
                              "Startside for ansatte|Startside for ansatte")
            with force_locale("en"):
                assert seen() == ("en", "Staff home", "Staff home", "Staff home|Staff home")
        assert seen()[:2] == ("nn", "Startside for tilsette")
        refresh()
        assert seen()[:2] == ("nn", "Startside for tilsette")
        assert gettext("%(n)s of %(m)s", n=1, m=2) == "1 of 2"
        days = [ngettext("%(num)d day without an answer", "%(num)d days without an answer", n)
                for n in (1, 2)]
        assert days == ["1 dag utan svar", "2 dagar utan svar"]
    with app.app_context():  # a worker's task: bokmål unless it forces the person's own
        assert (current_language(), gettext("Staff home")) == ("nb", "Startside for ansatte")
