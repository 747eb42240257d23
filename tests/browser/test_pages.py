"""Every page each kind of user can reach by links, in every language, at phone and desktop
width: axe (WCAG 2.1 AA) with no violations, keyboard use, reflow at 320 px, the weight
budget, nothing fetched from another origin. Screenshots of each page land in
instance/screenshots/ (bokmål, both widths).

Each page is loaded once per language and checked at desktop width, then at phone width by
resizing the viewport (CSS media queries apply as on a phone; no page script reads the width).
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest

from citizen.i18n import COOKIE, LANGUAGES
from tests.browser import checks, known_failures
from tests.browser.crawl import Finding, crawl, page_name
from tests.browser.users import USERS

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
#: Pages no link leads to (a form's or an error's result), visited as extra starting points.
FORM_ONLY = {
    "anonymous": ["/auth/logged-out"],  # where the logout form ends
}
#: An unknown address: the not-found page must pass the same checks.
NOT_FOUND = "/no-such-page"


def screenshot_name(user: str, name: str, width: str) -> str:
    parts = urlsplit(name)
    slug = parts.path.strip("/").replace("/", "_") or "front"
    if parts.query:
        slug += "-" + hashlib.sha256(parts.query.encode()).hexdigest()[:6]
    return f"{user}-{slug}-{width}.png"


def _checker(user: str, lang: str, screenshots):
    def check(page, name):
        found = [Finding(f.check, f.page, f.detail, "desktop") for f in
                 checks.axe_violations(page, name) + checks.keyboard(page, name)]
        if lang == "nb":
            page.screenshot(path=screenshots / screenshot_name(user, name, "desktop"),
                            full_page=True)
        page.set_viewport_size(PHONE)
        try:
            found += [Finding(f.check, f.page, f.detail, "phone") for f in
                      checks.axe_violations(page, name) + checks.reflow(page, name)]
            if lang == "nb":
                page.screenshot(path=screenshots / screenshot_name(user, name, "phone"),
                                full_page=True)
        finally:
            page.set_viewport_size(DESKTOP)
        return found + checks.weight(page, name)
    return check


def _report(findings: list[Finding], *, user: str, lang: str) -> str:
    return "\n".join(f"  [{f.check}] {f.page} (user={user}, lang={lang}, width={f.width}): "
                     f"{f.detail}" for f in findings)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("user", [u.key for u in USERS])
def test_every_linked_page(browser, live_site, sessions, screenshots, user, lang):
    session = sessions[user]
    context = browser.new_context(viewport=DESKTOP, storage_state=session.storage_state)
    context.add_cookies([{"name": COOKIE, "value": lang, "url": live_site.base}])
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    starts = ["/", NOT_FOUND, *FORM_ONLY.get(user, [])]
    if session.landing:
        starts.insert(0, page_name(session.landing))
    try:
        result = crawl(context.new_page(), live_site.base, starts,
                       check=_checker(user, lang, screenshots),
                       expected_status=lambda name: 404 if name == NOT_FOUND else 200)
    finally:
        context.close()

    findings = result.findings + checks.foreign_requests(requested, live_site.base)
    here = {"user": user, "lang": lang}
    expected = [f for f in findings if any(
        k.matches(check=f.check, page=f.page, width=f.width, **here)
        for k in known_failures.PAGES)]
    unexpected = [f for f in findings if f not in expected]
    visited = {v.name for v in result.visits} | {"(any)"}
    stale = [k for k in known_failures.PAGES if k.applies_to(**here) and k.page in visited
             and not any(k.matches(check=f.check, page=f.page, width=f.width, **here)
                         for f in findings)]
    pages = ", ".join(v.name for v in result.visits)
    assert not unexpected, (f"{len(unexpected)} finding(s) on [{pages}]:\n"
                            + _report(unexpected, **here))
    assert not stale, (f"known failures that now pass ({here}); remove them from "
                       f"tests/browser/known_failures.py: {stale}")
    if expected:
        pytest.xfail(f"{known_failures.REASON}:\n" + _report(expected, **here))
