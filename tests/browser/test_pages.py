"""Every page each kind of user can reach by links, in every language, at phone and desktop
width: axe (WCAG 2.1 AA) with no violations, keyboard use, reflow at 320 px, the weight
budget, nothing fetched from another origin. Screenshots of each page land in
instance/screenshots/ (bokmål, both widths).

Each page is loaded once per language and checked at desktop width, then at phone width by
resizing the viewport (CSS media queries apply as on a phone; no page script reads the width).
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import pytest

from citizen.extensions import limiter
from citizen.i18n import COOKIE, LANGUAGES
from services.people.identity import generate_national_id
from tests.browser import checks, chromium, known_failures
from tests.browser.crawl import Crawl, crawl, page_name
from tests.browser.users import USERS

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fresh_rate_limits")]

#: Pages no link leads to (a form's or an error's result), visited as extra starting points.
FORM_ONLY = {
    "anonymous": [
        "/auth/logged-out",  # where the logout form ends
        "/staff/auth/logged-out",  # where staff logout ends
        "/auth/timed-out?next=%2Fmin-side",  # where an idle session's next page sends one
        "/auth/timed-out?staff=1",
        "/dev/messages",  # the development page (DEV_FEATURES): what the console 'sent'
    ],
    # My record's pages, started from until the records navigation links them all.
    "citizen": ["/records/privacy", "/records/proxies", "/records/access-log"],
    "parent": ["/records/access-log"],
    "fullmakt": ["/records/access-log"],
}
#: Crawls at once, each in its own thread with its own Chromium.
CRAWLERS = max(1, min(3, os.cpu_count() or 1))
#: An unknown address and one too long to serve: their error pages pass the same checks.
NOT_FOUND = "/no-such-page"
TOO_LONG = "/min-side?q=" + "a" * 4100
EXPECTED_STATUS = {NOT_FOUND: 404, page_name(TOO_LONG): 414}


def screenshot_name(user: str, name: str, width: str) -> str:
    parts = urlsplit(name)
    slug = parts.path.strip("/").replace("/", "_") or "front"
    if parts.query:
        slug += "-" + hashlib.sha256(parts.query.encode()).hexdigest()[:6]
    return f"{user}-{slug}-{width}.png"


def _checker(user: str, lang: str, screenshots):
    def check(page, name):
        shoot = None
        if lang == "nb":
            def shoot(width):
                page.screenshot(path=screenshots / screenshot_name(user, name, width),
                                full_page=True)
        return (checks.language(page, name, lang)
                + checks.at_both_widths(page, name, screenshot=shoot))
    return check


@dataclass
class Outcome:
    result: Crawl
    requested: list[str]


def _crawl_as(browser, live_site, session, lang: str, screenshots) -> Outcome:
    user = session.user.key
    context = browser.new_context(viewport=checks.DESKTOP, storage_state=session.storage_state)
    context.add_cookies([{"name": COOKIE, "value": lang, "url": live_site.base}])
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    starts = ["/", NOT_FOUND, TOO_LONG, *FORM_ONLY.get(user, [])]
    if session.landing:
        starts.insert(0, page_name(session.landing))
    try:
        result = crawl(context.new_page(), live_site.base, starts,
                       check=_checker(user, lang, screenshots),
                       expected_status=lambda name: EXPECTED_STATUS.get(name, 200))
    finally:
        context.close()
    return Outcome(result, requested)


def _crawl_share(live_site, jobs, screenshots, outcomes) -> None:
    """One worker thread: its own Playwright and Chromium (the sync API is per thread)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        try:
            for session, lang in jobs:
                limiter.reset()  # each crawl opens the login pages; a minute has passed
                try:
                    outcomes[session.user.key, lang] = _crawl_as(browser, live_site, session,
                                                                 lang, screenshots)
                except Exception as exc:  # reported by that user and language's test
                    outcomes[session.user.key, lang] = exc
        finally:
            browser.close()


@pytest.fixture(scope="module")
def crawls(live_site, sessions, screenshots) -> dict[tuple[str, str], Outcome | Exception]:
    """Every user's crawl in every language, run by ``CRAWLERS`` threads at once."""
    jobs = [(sessions[user.key], lang) for user in USERS for lang in LANGUAGES]
    outcomes: dict = {}
    threads = [threading.Thread(target=_crawl_share,
                                args=(live_site, jobs[i::CRAWLERS], screenshots, outcomes))
               for i in range(CRAWLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


# The first test waits for every crawl (about two minutes on two cores).
@pytest.mark.timeout(900)
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("user", [u.key for u in USERS])
def test_every_linked_page(crawls, live_site, user, lang):
    outcome = crawls[user, lang]
    if isinstance(outcome, Exception):
        raise outcome
    findings = outcome.result.findings + checks.foreign_requests(outcome.requested,
                                                                 live_site.base)
    known_failures.verdict(findings, visited=[v.name for v in outcome.result.visits],
                           user=user, lang=lang)


def _invalid_number(page, base):
    page.goto(base + "/auth/login")
    page.locator("input[name=national_id]").fill("12345")
    page.locator("button[name=action][value=login]").click()


def _cancel(page, base):
    page.goto(base + "/auth/login")
    page.locator("button[name=action][value=cancel]").click()


def _citizen_as_staff(page, base):
    """Someone who is not staff types their number at the staff login."""
    page.goto(base + "/staff/auth/login")
    page.locator("input[name=national_id]").fill(CITIZEN_NUMBER)
    page.locator("button[name=action][value=login]").click()


def _expired_form(page, base):
    """A form posted with a token that is no longer valid (as after a long pause)."""
    page.goto(base + "/auth/logged-out")
    with page.expect_navigation():
        page.evaluate("""action => {
            const form = Object.assign(document.createElement("form"),
                                       {method: "post", action});
            form.append(Object.assign(document.createElement("input"),
                                      {type: "hidden", name: "csrf_token", value: "expired"}));
            document.body.append(form);
            form.submit();
        }""", base + "/acting-for")


#: Pages only a submitted form shows: name in findings -> (how to get there, where it ends).
FORM_RESULTS = {
    "form:expired": (_expired_form, "/acting-for"),
    "form:login-invalid-number": (_invalid_number, "/dev-idp/authorize"),
    "form:login-cancelled": (_cancel, "/auth/callback"),
    "form:staff-login-refused": (_citizen_as_staff, "/staff/auth/callback"),
}
#: A valid (synthetic) identity number that no staff member has.
CITIZEN_NUMBER = generate_national_id(date(1980, 1, 1), 7, synthetic=True)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_that_only_a_form_leads_to(browser, live_site, screenshots, lang):
    context = browser.new_context(viewport=checks.DESKTOP)
    context.add_cookies([{"name": COOKIE, "value": lang, "url": live_site.base}])
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    findings = []
    try:
        for name, (reach, path) in FORM_RESULTS.items():
            reach(page, live_site.base)
            page.wait_for_load_state()
            assert urlsplit(page.url).path == path, (name, page.url)
            findings += _checker("anonymous", lang, screenshots)(page, name)
    finally:
        context.close()
    known_failures.verdict(findings + checks.foreign_requests(requested, live_site.base),
                           visited=FORM_RESULTS, user="anonymous", lang=lang)


def _wound_form_pages(page, base, check) -> tuple[list[tuple[str, str]], list]:
    """Fill in Ola's wound questionnaire as he would (without sending it), checking each
    page only a posted form shows: ((name in findings, the path it ended on), findings)."""
    seen, findings = [], []
    page.goto(base + "/questionnaires")
    page.locator("main h3 a").first.click()
    page.wait_for_load_state()
    start = page.url
    page.goto(start + "/pages/1")

    def step(name):
        page.wait_for_load_state()
        seen.append((name, urlsplit(page.url).path))
        findings.extend(check(page, name))

    # Nothing chosen (as a first visit): every question is named in the error summary.
    page.evaluate("() => document.querySelectorAll('main input[type=radio]')"
                  ".forEach(radio => { radio.checked = false; })")
    page.locator("button[value=next]").click()
    step("form:wound-page-1-errors")
    for choice in ("#q-redness-a-little", "#q-warmth", "#q-swelling", "#q-pain",
                   "#q-clear-fluid", "#q-bloody-fluid", "#q-pus", "#q-opened", "#q-fever-no"):
        page.check(choice)
    page.locator("button[value=next]").click()
    step("form:wound-follow-up")
    page.check("#q-opened-deep-no")
    page.fill("#q-onset", "31.2.2026")
    page.locator("button[value=next]").click()
    step("form:wound-follow-up-errors")
    page.fill("#q-onset", "")
    page.locator("button[value=next]").click()
    page.wait_for_load_state()
    page.check("#q-sought-advice")  # yes: what was done follows
    page.locator("button[value=next]").click()
    step("form:wound-care-follow-up")
    for choice in ("#q-antibiotics-no", "#q-opened-by-doctor-no", "#q-readmitted-no",
                   "#q-reoperated-no"):
        page.check(choice)
    page.locator("button[value=next]").click()
    step("form:wound-review")
    page.goto(start + "/pages/1")
    page.locator("button[value=later]").click()
    step("form:wound-saved-for-later")
    return seen, findings


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_wound_form_as_he_fills_it_in(browser, live_site, sessions, screenshots, lang):
    """The questionnaire's pages that only a posted form shows (errors at their fields,
    follow-up pages, the review, the notice after saving for later)."""
    context = browser.new_context(viewport=checks.DESKTOP,
                                  storage_state=sessions["post_op"].storage_state)
    context.add_cookies([{"name": COOKIE, "value": lang, "url": live_site.base}])
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    try:
        seen, findings = _wound_form_pages(page, live_site.base,
                                           _checker("post_op", lang, screenshots))
    finally:
        context.close()
    for name, path in seen:
        assert path.startswith("/questionnaires/"), (name, path)
    known_failures.verdict(findings + checks.foreign_requests(requested, live_site.base),
                           visited=[name for name, _ in seen], user="post_op", lang=lang)
