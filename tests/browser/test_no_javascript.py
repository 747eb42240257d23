"""With JavaScript off, every page still renders and every form still posts: each kind of
user logs in through the identity provider's form, chooses whom to act for with the form,
reaches every linked page, and logs out with the logout form."""

from __future__ import annotations

import pytest

from tests.browser.crawl import Finding, crawl
from tests.browser.users import USERS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fresh_rate_limits")]


def rendered(page, name) -> list[Finding]:
    """A page that works without script shows its heading in main."""
    if page.locator("main h1").count() != 1:
        return [Finding("no-js:render", name, "no single <h1> in <main> without JavaScript")]
    return []


@pytest.mark.parametrize("user", USERS, ids=lambda u: u.key)
def test_pages_render_and_forms_post_without_javascript(browser, live_site, user):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        starts = ["/"]
        if user.login_path:
            starts.insert(0, log_in(page, live_site.base, user,
                                    acting_for_path=live_site.acting_for_path)
                          .removeprefix(live_site.base))
        result = crawl(page, live_site.base, starts, check=rendered)
        assert not result.findings, "\n".join(f"{f.page}: {f.detail}" for f in result.findings)
        assert len(result.visits) >= 2, result.visits

        if user.login_path:
            page.goto(live_site.base + "/")
            page.locator("form[action*=logout] button[type=submit], "
                         "form[action*=logout] button:not([type])").first.click()
            page.wait_for_load_state()
            assert page.url.startswith(live_site.base), page.url
            assert rendered(page, page.url) == []
            # Logged out for real: the page for logged-in users now wants a login.
            answer = page.goto(live_site.base + live_site.acting_for_path)
            assert "/dev-idp/" in page.url or answer.status in (401, 403), page.url
    finally:
        context.close()
