"""What must hold for every page, checked in the browser on the page as it is shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache

from playwright.sync_api import Page

from tests.browser import chromium
from tests.browser.crawl import Finding

#: WCAG 2.1 A and AA, the level the law requires (likestillings- og diskrimineringsloven § 18).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: "Under 100 KB transferred": the page and everything it loads (CSS, scripts, fonts, images).
PAGE_BUDGET_BYTES = 100 * 1024
#: WCAG 1.4.10 Reflow: content fits 320 CSS px without scrolling sideways.
REFLOW_WIDTH = 320
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
#: Tab stops checked for a visible focus indicator on each page.
FOCUS_STOPS = 40


@cache
def _axe_source() -> str:
    return chromium.AXE.read_text()


def axe_violations(page: Page, name: str) -> list[Finding]:
    # Evaluated over the DevTools protocol, so the page's CSP (no inline script) still holds.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, help: v.help,"
        " targets: v.nodes.map(n => n.target.join(' '))})))",
        AXE_TAGS)
    return [Finding(f"axe:{v['id']}", name, f"{v['help']} at {target}")
            for v in violations for target in v["targets"]]


_FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
    href: el.getAttribute('href'),
    inMain: !!el.closest('main'),
    isMain: el.tagName === 'MAIN',
    visible: outline || style.boxShadow !== 'none',
  };
}"""


def keyboard(page: Page, name: str) -> list[Finding]:
    """A skip link comes first and moves focus to main; every tab stop shows its focus."""
    findings = []
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.keyboard.press("Tab")
    first = page.evaluate(_FOCUS_STATE)
    if not first or first["tag"] != "a" or not (first["href"] or "").startswith("#"):
        findings.append(Finding("keyboard:skip-link-first", name,
                                f"the first tab stop is {first}, not a skip link"))
    else:
        page.keyboard.press("Enter")
        landed = page.evaluate(_FOCUS_STATE)
        if not landed or not (landed["isMain"] or landed["inMain"]):
            findings.append(Finding("keyboard:skip-link-target", name,
                                    f"the skip link moved focus to {landed}, not to main"))
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    for _ in range(FOCUS_STOPS):
        page.keyboard.press("Tab")
        state = page.evaluate(_FOCUS_STATE)
        if state is None:  # wrapped around to the browser's own UI: every stop seen
            break
        if not state["visible"]:
            findings.append(Finding("keyboard:focus-visible", name,
                                    f"no visible focus on <{state['tag']}> {state['text']!r}"))
    return findings


def language(page: Page, name: str, lang: str) -> list[Finding]:
    """The page says it is in the language the reader chose (screen readers go by it)."""
    said = page.evaluate("() => document.documentElement.lang")
    if said != lang:
        return [Finding("language", name, f"<html lang={said!r}>, expected {lang!r}")]
    return []


_OVERFLOWING = """() => {
  const limit = document.documentElement.clientWidth;
  // A box past the edge, or a box whose content (a long word) runs out of it.
  const wide = [...document.body.querySelectorAll('*')]
    .filter(el => el.getBoundingClientRect().right > limit + 0.5
            || (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1));
  return wide.filter(el => !wide.some(other => other !== el && el.contains(other)))
    .slice(0, 3).map(el => {
      const classes = typeof el.className === 'string' && el.className.trim()
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      return `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${classes}> `
        + JSON.stringify((el.textContent || '').trim().slice(0, 40));
    });
}"""


def reflow(page: Page, name: str) -> list[Finding]:
    """At 320 px nothing makes the page scroll sideways; a finding names what sticks out."""
    before = page.viewport_size
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 640})
    try:
        scroll, client = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        culprits = page.evaluate(_OVERFLOWING) if scroll > client else []
    finally:
        page.set_viewport_size(before)
    if scroll > client:
        return [Finding("reflow-320", name, f"scrolls sideways at {REFLOW_WIDTH} px: {scroll} px "
                        f"wide content; sticking out: {', '.join(culprits) or '?'}")]
    return []


def weight(page: Page, name: str) -> list[Finding]:
    """The page and all it loaded, as sent over the wire (uncached), under the budget."""
    entries = page.evaluate("""() => [
      ...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')
    ].map(e => [e.name, e.encodedBodySize])""")
    total = sum(size for _url, size in entries)
    if total > PAGE_BUDGET_BYTES:
        biggest = sorted(entries, key=lambda e: -e[1])[:3]
        return [Finding("weight", name, f"{total} bytes > {PAGE_BUDGET_BYTES} "
                        f"(largest: {biggest})")]
    return []


def foreign_requests(requested: list[str], base: str) -> list[Finding]:
    """Everything the browser fetched comes from the app's own origin (no CDN, no fonts or
    analytics from elsewhere): ``requested`` is the context's whole request log."""
    return [Finding("external-request", "(any)", url) for url in requested
            if not (url == base or url.startswith((base + "/", "data:", "blob:", "about:")))]


def at_both_widths(page: Page, name: str, *,
                   screenshot: Callable[[str], None] | None = None) -> list[Finding]:
    """Every check on the page as loaded at desktop width, then resized to a phone's (CSS
    media queries apply as on a phone; no page script reads the width at load)."""
    found = [replace(f, width="desktop") for f in
             axe_violations(page, name) + keyboard(page, name)]
    if screenshot:
        screenshot("desktop")
    page.set_viewport_size(PHONE)
    try:
        found += [replace(f, width="phone") for f in
                  axe_violations(page, name) + reflow(page, name)]
        if screenshot:
            screenshot("phone")
    finally:
        page.set_viewport_size(DESKTOP)
    return found + weight(page, name)
