"""Every text has bokmål and nynorsk: a page never falls back to English by accident."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "citizen" / "translations"


@pytest.mark.parametrize("lang", ["nb", "nn"])
def test_catalog_is_complete_and_current(lang):
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    assert template - translated == set()
