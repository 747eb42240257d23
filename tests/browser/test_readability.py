"""Clear language (språklova § 9): every citizen-facing message reads at LIX 40 or below,
in bokmål and nynorsk (the catalogues) and in English (the msgids).

LIX describes running text; on a label of one long word it says 101 ("Fortsett", "Velkommen").
So a message of ``RUNNING_TEXT_WORDS`` words or more is scored on its own, and all shorter
messages of a catalogue (labels, headings, one-line notices) are scored together as one text,
each message a sentence: the interface's short texts, as a reader meets them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from tests.browser import known_failures
from tests.browser.readability import Counts, counts, lix

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "citizen" / "translations"
LIMIT = 40
RUNNING_TEXT_WORDS = 10
#: Sources whose texts no citizen reads; a message is exempt only if all its uses are here.
EXCEPTIONS = {
    "templates/auth/organisation.html": "staff page: choosing the organisation to work in",
    "citizen/auth/staff_views.py": "staff login: shown to health personnel only",
    "templates/home/staff_home.html": "staff home: health personnel only",
    "citizen/home/staff_entries.py": "staff home's entry points: health personnel only",
    "templates/auth/devidp/": "development identity provider: not in production",
    "citizen/auth/devidp/": "development identity provider: not in production",
    "templates/notify/outbox.html": "administrators' failed messages: staff only",
    "templates/notify/letters.html": "administrators' paper letters: staff only",
    "citizen/notifications/staff_views.py": "administrators' notification pages: staff only",
    "citizen/notifications/staff_entries.py": "staff home's entry points: health personnel only",
    "templates/notify/dev_messages.html": "development page of console messages: not in "
                                          "production",
    "templates/ultrasound_staff/": "the ultrasound clinic's pages: staff only",
    "citizen/ultrasound_staff/": "the ultrasound clinic's pages and entry points: staff only",
    "templates/records_staff/": "staff reading a patient's record: staff only",
    "citizen/records_staff/": "staff reading a patient's record, and its entry points: staff only",
    "templates/wound_staff/": "infection-control staff's surveillance pages: staff only",
    "citizen/wound_staff/": "infection-control staff's surveillance pages and entry points: "
                            "staff only",
    "services/wound/classify.py": "the NHSN criteria and the classification's reasons: "
                                  "infection-control staff only",
    "templates/pdf/wound_statistics": "infection-control staff's statistics report: staff only",
}
LANGUAGES = ("nb", "nn", "en")


def citizen_messages(lang: str, catalogue: Catalog | None = None) -> list[tuple[str, str]]:
    """(msgid, text in ``lang``) for every message a citizen may read."""
    if catalogue is None:
        source = "nb" if lang == "en" else lang  # English: the msgids of any catalogue
        with (CATALOGUES / source / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalogue = read_po(po)
    found = []
    for message in catalogue:
        if not message.id or all(path.startswith(tuple(EXCEPTIONS))
                                 for path, _line in message.locations):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = ids if lang == "en" else (
            message.string if isinstance(message.string, tuple) else (message.string,))
        found += [(ids[0], text) for text in texts if text]
    return found


def _verdict(lang: str, failing: list[tuple[str, str, float]]) -> None:
    """Fail on an unknown failure or a known one that passes now; xfail on known ones."""
    known = {msgid for known_lang, msgid in known_failures.MESSAGES if known_lang == lang}
    unexpected = [f for f in failing if f[0] not in known]
    assert not unexpected, f"{lang}: LIX over {LIMIT}:\n" + "\n".join(
        f"  {score:.0f}: {text!r} (msgid {msgid!r})" for msgid, text, score in unexpected)
    stale = known - {msgid for msgid, _text, _score in failing}
    assert not stale, f"{lang}: now readable; remove from known_failures.MESSAGES: {stale}"
    if failing:
        pytest.xfail(f"{known_failures.REASON}: " + "; ".join(
            f"{score:.0f}: {text!r}" for _msgid, text, score in failing))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_running_text_reads_at_lix_40_or_below(lang):
    messages = [(msgid, text) for msgid, text in citizen_messages(lang)
                if counts(text).words >= RUNNING_TEXT_WORDS]
    assert messages, f"no running text found in the {lang} messages"
    _verdict(lang, [(msgid, text, lix(text)) for msgid, text in messages if lix(text) > LIMIT])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_short_texts_together_read_at_lix_40_or_below(lang):
    short = [text for _msgid, text in citizen_messages(lang)
             if counts(text).words < RUNNING_TEXT_WORDS]
    # Each short message is a sentence of its own, with or without a full stop.
    total = sum((Counts(c.words, c.long_words, 1) for c in map(counts, short)), Counts(0, 0, 0))
    longest = sorted(short, key=lambda t: -counts(t).long_words)[:10]
    assert total.lix <= LIMIT, f"{lang}: short texts score LIX {total.lix:.0f}; most long " \
                               f"words in: {longest}"


def test_lix_is_words_per_sentence_plus_percent_long_words():
    # 8 words, 2 sentences, 2 words over six letters ("tjenesten", "tilgjengelig").
    assert lix("Denne tjenesten er tilgjengelig. Du kan logge inn.") == 8 / 2 + 100 * 2 / 8
    assert (counts("Sekser").long_words, counts("Seksere").long_words) == (0, 1)  # 6, 7
    assert counts("Fødselsnummer eller D-nummer (11 siffer)") == Counts(4, 2, 1)
    assert counts("Hei, %(name)s. Velkommen!") == Counts(2, 1, 2)
    assert lix("") == 0.0


def test_a_message_is_exempt_only_when_all_its_uses_are_staff_or_development():
    catalogue = Catalog(locale="nb")
    catalogue.add("Choose where you work", "Velg hvor du jobber",
                  locations=[("templates/auth/organisation.html", 4)])
    catalogue.add("Continue", "Fortsett", locations=[("templates/auth/organisation.html", 9),
                                                     ("templates/auth/acting_for.html", 30)])
    catalogue.add("Log in", "Logg inn", locations=[("templates/auth/devidp/authorize.html", 3),
                                                   ("templates/home/front_page.html", 8)])
    catalogue.add("Cancel", "Avbryt", locations=[("templates/auth/devidp/authorize.html", 5)])
    catalogue.add("Untranslated", "", locations=[("templates/base.html", 1)])
    assert citizen_messages("nb", catalogue) == [("Continue", "Fortsett"),
                                                 ("Log in", "Logg inn")]
    assert citizen_messages("en", catalogue) == [("Continue", "Continue"), ("Log in", "Log in"),
                                                 ("Untranslated", "Untranslated")]
