"""The kit's own checks catch what they claim to, at their limits, on small pages made here."""

from __future__ import annotations

import pytest
from flask import Flask, Response

from tests.browser import checks, chromium
from tests.browser.crawl import crawl, followable, page_kind, page_name
from tests.plugins.live import serving

pytestmark = pytest.mark.browser

BASE = "http://127.0.0.1:5000"


def _html(body: str, *, head: str = "") -> str:
    return (f'<!doctype html><html lang="en"><head><title>Kit</title>{head}</head><body>'
            f'<a href="#main">Skip to main content</a><main id="main" tabindex="-1">'
            f"<h1>Kit</h1>{body}</main></body></html>")


PAGES = {
    "clean": _html('<p><a href="/p/clean">Again</a> <button type="button">Go</button></p>'),
    "no-alt": _html('<img src="/img.png">'),
    "no-skip": _html("").replace('<a href="#main">Skip to main content</a>', ""),
    "hidden-focus": _html('<button type="button" style="outline: none">Go</button>'),
    "wide-320": _html('<div style="width: 320px">x</div>', head="<style>body{margin:0}</style>"),
    "wide-321": _html('<div style="width: 321px">x</div>', head="<style>body{margin:0}</style>"),
    "foreign": _html('<img alt="" src="http://elsewhere.test/pixel.png">'),
    "links": _html('<a href="/p/clean#top">page</a> <a href="/static/a.css">css</a> '
                   '<a href="/auth/logout">out</a> <a href="?lang=nn">nynorsk</a> '
                   '<a href="http://elsewhere.test/p/clean">away</a> <a href="/p/gone">gone</a>'),
    "many": _html(" ".join(f'<a href="/n/{n}">{n}</a> <a href="/n/{n}/more">more</a>'
                           for n in range(1, 21)) + ' <a href="/p/clean">clean</a>'),
}
HEAVY_HTML = _html("", head='<link rel="stylesheet" href="/heavy.css?size={size}">')


@pytest.fixture(scope="module")
def kit(browser):
    site = Flask("kit")

    @site.get("/p/<name>")
    def show(name):
        if name not in PAGES:
            return Response(_html("<p>Not here</p>"), status=404, mimetype="text/html")
        return PAGES[name]

    @site.get("/n/<int:number>")
    @site.get("/n/<int:number>/more")
    def numbered(number):
        return PAGES["clean"]

    @site.get("/heavy/<int:total>")
    def heavy(total):
        page = HEAVY_HTML.format(size="{size}")
        size = total - len(page.format(size="0000000").encode())
        return page.format(size=f"{size:07d}")

    @site.get("/heavy.css")
    def heavy_css():
        from flask import request
        return Response("a" * int(request.args["size"]), mimetype="text/css")

    @site.get("/img.png")
    def image():
        return Response(b"", mimetype="image/png")

    with serving(lambda base: site) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield base, context.new_page()
        context.close()


def _at(kit, name):
    base, page = kit
    page.goto(f"{base}/p/{name}")
    return page


def test_a_clean_page_passes_every_check(kit):
    page = _at(kit, "clean")
    assert checks.axe_violations(page, "clean") == []
    assert checks.keyboard(page, "clean") == []
    assert checks.reflow(page, "clean") == []
    assert checks.weight(page, "clean") == []


def test_axe_names_the_rule_and_the_element(kit):
    [finding] = checks.axe_violations(_at(kit, "no-alt"), "no-alt")
    assert finding.check == "axe:image-alt" and finding.page == "no-alt"
    assert finding.detail.endswith("at img")


def test_the_first_tab_stop_must_be_a_skip_link(kit):
    [finding] = checks.keyboard(_at(kit, "no-skip"), "no-skip")
    assert finding.check == "keyboard:skip-link-first"


def test_focus_must_be_visible_on_every_tab_stop(kit):
    [finding] = checks.keyboard(_at(kit, "hidden-focus"), "hidden-focus")
    assert (finding.check, "Go" in finding.detail) == ("keyboard:focus-visible", True)


def test_reflow_at_320_px_allows_exactly_320(kit):
    assert checks.reflow(_at(kit, "wide-320"), "wide-320") == []
    [finding] = checks.reflow(_at(kit, "wide-321"), "wide-321")
    assert finding.check == "reflow-320" and "321 px" in finding.detail
    assert finding.detail.endswith('sticking out: <div> "x"')
    assert kit[1].viewport_size == {"width": 1280, "height": 900}  # put back


def test_the_weight_budget_counts_the_page_and_what_it_loads(kit):
    base, page = kit
    page.goto(f"{base}/heavy/{checks.PAGE_BUDGET_BYTES}")
    assert checks.weight(page, "at-budget") == []
    page.goto(f"{base}/heavy/{checks.PAGE_BUDGET_BYTES + 1}")
    [finding] = checks.weight(page, "over")
    assert finding.detail.startswith(f"{checks.PAGE_BUDGET_BYTES + 1} bytes")


def test_links_followed_are_same_origin_gets_without_side_effects():
    assert followable(f"{BASE}/p/clean#top", BASE) == f"{BASE}/p/clean"
    assert followable(f"{BASE}/acting-for?next=/x", BASE) == f"{BASE}/acting-for?next=/x"
    for skipped in (f"{BASE}/static/site.css", f"{BASE}/auth/logout", f"{BASE}/staff/auth/logout",
                    f"{BASE}/dev-idp/endsession?x=1", f"{BASE}/p/clean?lang=nn",
                    "http://elsewhere.test/p/clean", "http://127.0.0.1:50001/p", "mailto:a@b.test",
                    f"{BASE}/api/v1/appointments/1/calendar.ics",
                    f"{BASE}/api/v1/appointments/1/letter.pdf",
                    f"{BASE}/records/consent-history.csv",
                    f"{BASE}/records/consent-history.json"):
        assert followable(skipped, BASE) is None, skipped
    assert followable(f"{BASE}/appointments/1", BASE) == f"{BASE}/appointments/1"


def test_page_names_leave_out_the_login_round_trips_values():
    assert page_name(f"{BASE}/dev-idp/authorize?client_id=c&state=s&nonce=n&lang=nb") == \
        "/dev-idp/authorize?client_id=c"
    assert page_name(f"{BASE}/staff/ssi/worklist?state=triaged&lang=nn") == \
        "/staff/ssi/worklist?state=triaged"


def test_the_crawl_follows_links_and_reports_a_broken_one(kit):
    base, page = kit
    seen = []
    result = crawl(page, base, ["/p/links"], check=lambda _page, name: seen.append(name) or [])
    assert [v.name for v in result.visits] == ["/p/links", "/p/clean", "/p/gone"]
    assert seen == ["/p/links", "/p/clean", "/p/gone"]
    [broken] = result.findings
    assert (broken.check, broken.page) == ("status", "/p/gone")


def test_a_request_to_another_origin_is_reported(kit, browser):
    base, _page = kit
    context = browser.new_context()
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.goto(f"{base}/p/clean")
    assert checks.foreign_requests(requested, base) == []
    page.goto(f"{base}/p/foreign")
    context.close()
    [finding] = checks.foreign_requests(requested, base)
    assert finding.detail == "http://elsewhere.test/pixel.png"


def test_numbered_pages_are_one_kind_each():
    assert page_kind(f"{BASE}/staff/ssi/cases/7") == "/staff/ssi/cases/<n>"
    assert page_kind(f"{BASE}/staff/ssi/cases/7/classification?x=1") == \
        "/staff/ssi/cases/<n>/classification"
    assert page_kind(f"{BASE}/staff/ssi/worklist?state=answered") is None
    assert page_kind(f"{BASE}/records/v2") is None


def test_the_crawl_visits_a_few_pages_of_each_numbered_kind(kit):
    base, page = kit
    result = crawl(page, base, ["/p/many"], check=lambda _page, _name: [], per_kind=3)
    assert [v.name for v in result.visits] == [
        "/p/many", "/n/1", "/n/1/more", "/n/2", "/n/2/more", "/n/3", "/n/3/more", "/p/clean"]
    assert result.findings == []  # the rest are not pages it had no room for


def test_the_crawl_reports_the_pages_it_had_no_room_for(kit):
    base, page = kit
    result = crawl(page, base, ["/p/links"], check=lambda _page, _name: [], limit=2)
    assert [v.name for v in result.visits] == ["/p/links", "/p/clean"]
    assert [f.check for f in result.findings] == ["crawl-limit"]
    assert "/p/gone" in result.findings[0].detail


def test_the_language_check_reads_the_pages_lang_attribute(kit):
    page = _at(kit, "clean")
    assert checks.language(page, "clean", "en") == []
    [finding] = checks.language(page, "clean", "nn")
    assert finding.detail == "<html lang='en'>, expected 'nn'"


def test_without_chromium_a_developer_skips_and_ci_fails(monkeypatch, tmp_path):
    monkeypatch.setattr(chromium, "CHROMIUM", tmp_path / "chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        chromium.require()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run on CI"):
        chromium.require()


def test_without_axe_core_the_reason_names_npm_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(chromium, "AXE", tmp_path / "node_modules" / "axe-core" / "axe.min.js")
    monkeypatch.setattr(chromium, "HERE", tmp_path)
    assert "npm ci --prefix tests/browser" in chromium.missing()
