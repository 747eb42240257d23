"""Visit every page reachable by links from a few starting points, and check each one.

A link is followed when it is a same-origin GET that has no side effect: not a static file,
not a logout or end-session, not a language switch (``?lang=``: it sets the language cookie;
each crawl sets its language itself). Pages only a form leads to are passed in as starts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit

from playwright.sync_api import Page

#: Paths whose GET changes the session; never followed.
SIDE_EFFECT_PATHS = ("logout", "endsession")
#: Files a page offers for download (a calendar entry, a letter, the consent history): not
#: pages to check here, and a browser does not "load" them (their own tests check them).
DOWNLOADS = (".ics", ".pdf", ".csv", ".json",
             # a path named for it, whose query chooses the file's format (the NOIS export)
             "/download")
#: Query parameters that differ on every visit or run (the login round trip's, the port);
#: left out of the names of the round trip's pages. Elsewhere ``state`` is a filter (the
#: worklist's), which names a page of its own.
VOLATILE_PARAMS = {"state", "nonce", "code_challenge", "code", "iss", "redirect_uri"}
LOGIN_PATHS = ("/auth/", "/staff/auth/", "/dev-idp/")


#: Pages of one kind (paths that differ only in a number: /staff/ssi/cases/7 and /8) the
#: crawl visits at most: a kind is one template to check, and the demo data holds hundreds
#: of records of some kinds (the wound surveillance's cases).
PER_KIND = 12


@dataclass(frozen=True)
class Finding:
    check: str
    page: str
    detail: str
    #: The viewport it was seen at ("phone", "desktop"), or "*" for any.
    width: str = "*"


@dataclass
class Visit:
    url: str
    name: str
    status: int | None
    html: bool


@dataclass
class Crawl:
    visits: list[Visit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def page_name(url: str) -> str:
    """The path and the stable part of the query: how findings and screenshots name a page."""
    parts = urlsplit(url)
    volatile = VOLATILE_PARAMS if parts.path.startswith(LOGIN_PATHS) else set()
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in volatile | {"lang"}]
    return parts.path + (f"?{urlencode(query)}" if query else "")


def page_kind(url: str) -> str | None:
    """The path with its numbers as ``<n>`` when it has any (one record's page among many of
    its kind), else None (a page of its own, always visited)."""
    path = urlsplit(url).path
    kind = re.sub(r"/\d+(?=/|$)", "/<n>", path)
    return kind if kind != path else None


def followable(href: str, base: str) -> str | None:
    """The absolute URL to visit for a link, or None when the crawl must not follow it."""
    url, _fragment = urldefrag(href)
    if not (url == base or url.startswith(base + "/")):
        return None
    parts = urlsplit(url)
    if parts.path.startswith("/static/") or any(p in parts.path for p in SIDE_EFFECT_PATHS):
        return None
    if parts.path.endswith(DOWNLOADS):
        return None
    if any(key == "lang" for key, _ in parse_qsl(parts.query)):
        return None
    return url


def crawl(page: Page, base: str, starts: Iterable[str], *,
          check: Callable[[Page, str], list[Finding]],
          expected_status: Callable[[str], int] = lambda _name: 200,
          limit: int = 100, per_kind: int = PER_KIND) -> Crawl:
    """Breadth-first over links from ``starts`` (paths); ``check`` runs on each HTML page,
    of each kind of numbered page (``page_kind``) the first ``per_kind`` found."""
    result = Crawl()
    queue = [base + path for path in starts]
    seen_urls: set[str] = set(queue)
    kinds = Counter(kind for kind in map(page_kind, queue) if kind)
    seen_names: set[str] = set()
    while queue and len(result.visits) < limit:
        url = queue.pop(0)
        response = page.goto(url)
        name = page_name(page.url)
        if name in seen_names:  # a redirect to a page already checked
            continue
        seen_names.add(name)
        status = response.status if response else None
        content_type = (response.headers.get("content-type", "") if response else "")
        html = content_type.startswith("text/html")
        result.visits.append(Visit(url=page.url, name=name, status=status, html=html))
        if status != expected_status(name):
            result.findings.append(Finding("status", name, f"{url} answered {status}, "
                                           f"expected {expected_status(name)}"))
        if not html:
            continue
        result.findings.extend(check(page, name))
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        for href in hrefs:
            target = followable(href, base)
            if target and target not in seen_urls:
                seen_urls.add(target)
                if (kind := page_kind(target)) is not None:
                    if kinds[kind] >= per_kind:
                        continue
                    kinds[kind] += 1
                queue.append(target)
    if queue:
        result.findings.append(Finding("crawl-limit", "(any)", f"stopped after {limit} pages "
                                       f"with {len(queue)} links left, e.g. {queue[:3]}"))
    return result
