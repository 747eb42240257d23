"""Today's pages and texts that fail a check the web branch of issue 8 fixes.

Each entry is expected to fail (the test is xfailed with the reason below, naming the
findings), and must fail: an entry that no longer matches anything fails the suite, so the
list only ever shrinks. The checks themselves are never relaxed for these.
"""

from __future__ import annotations

from dataclasses import dataclass

REASON = "fixed by the web branch (issue 8)"


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

#: Messages over the LIX limit (tests/browser/test_readability.py): (language, msgid).
_FRONT_PAGE_INTRO = ("Your ultrasound appointments in pregnancy, questionnaires after an "
                     "operation, and your health record, in one place.")
MESSAGES: list[tuple[str, str]] = [
    # The front page's one sentence: LIX 51 (nb, nn) and 47 (en); the web branch rewrites it.
    ("nb", _FRONT_PAGE_INTRO), ("nn", _FRONT_PAGE_INTRO), ("en", _FRONT_PAGE_INTRO),
]
