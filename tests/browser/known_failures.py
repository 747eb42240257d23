"""Pages and texts known to fail a check, each waiting for its fix (empty today).

Each entry is expected to fail (the test is xfailed with the reason below, naming the
findings), and must fail: an entry that no longer matches anything fails the suite, so the
list only ever shrinks. The checks themselves are never relaxed for these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pytest

from tests.browser.crawl import Finding

REASON = "a known failure, listed in tests/browser/known_failures.py until it is fixed"


@dataclass(frozen=True)
class Known:
    check: str
    #: The page's name (path and stable query) as findings give it.
    page: str
    user: str = "*"
    lang: str = "*"
    width: str = "*"

    def matches(self, *, check: str, page: str, user: str, lang: str, width: str) -> bool:
        return (self.check == check and self.page == page and self.width in ("*", width)
                and self.applies_to(user=user, lang=lang))

    def applies_to(self, *, user: str, lang: str) -> bool:
        return self.user in ("*", user) and self.lang in ("*", lang)


#: Browser findings (tests/browser/test_pages.py).
PAGES: list[Known] = []

def verdict(findings: list[Finding], *, visited: Iterable[str], user: str, lang: str) -> None:
    """Fail on any finding not listed in ``PAGES``, and on a listed one that no longer shows
    on a page this test visited; xfail, naming them, when only listed findings remain."""
    here = {"user": user, "lang": lang}

    def listed(k: Known, f: Finding) -> bool:
        return k.matches(check=f.check, page=f.page, width=f.width, **here)

    expected = [f for f in findings if any(listed(k, f) for k in PAGES)]
    unexpected = [f for f in findings if f not in expected]
    pages = set(visited) | {"(any)"}
    stale = [k for k in PAGES if k.applies_to(**here) and k.page in pages
             and not any(listed(k, f) for f in findings)]
    assert not unexpected, (f"{len(unexpected)} finding(s) on {sorted(pages)}:\n"
                            + report(unexpected, **here))
    assert not stale, (f"known failures that now pass ({here}); remove them from "
                       f"tests/browser/known_failures.py: {stale}")
    if expected:
        pytest.xfail(f"{REASON}:\n" + report(expected, **here))


def report(findings: list[Finding], *, user: str, lang: str) -> str:
    return "\n".join(f"  [{f.check}] {f.page} (user={user}, lang={lang}, width={f.width}): "
                     f"{f.detail}" for f in findings)


#: Messages over the LIX limit (tests/browser/test_readability.py): (language, msgid).
MESSAGES: list[tuple[str, str]] = []
