"""LIX (Björnsson's läsbarhetsindex), the readability score used for Scandinavian text:
words per sentence + the percentage of long words (more than six letters).

Hand-written because the formula is three lines and the one library that has it (textstat)
counts sentences its own way (it drops sentences of two words or fewer), which would change
the score of exactly the short texts an interface is made of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A word is a run of letters; a hyphenated compound ("D-nummer") is one word.
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
#: A sentence ends at . ! ? or : (Björnsson counts the colon as a full stop).
_SENTENCE_END = re.compile(r"[.!?:]+(?=\s|$)")
#: Placeholders filled in at run time (a name, a date): their length is not known.
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
LONG_WORD = 6


@dataclass(frozen=True)
class Counts:
    words: int
    long_words: int
    sentences: int

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.words + other.words, self.long_words + other.long_words,
                      self.sentences + other.sentences)

    @property
    def lix(self) -> float:
        if not self.words:
            return 0.0
        return self.words / max(self.sentences, 1) + 100 * self.long_words / self.words


def counts(text: str) -> Counts:
    """Words, long words and sentences; text after the last full stop is a sentence too."""
    text = _PLACEHOLDER.sub("", text).strip()
    words = _WORD.findall(text)
    ends = _SENTENCE_END.findall(text)
    unterminated = bool(_WORD.search(_SENTENCE_END.split(text)[-1]))
    return Counts(words=len(words), long_words=sum(len(w) > LONG_WORD for w in words),
                  sentences=len(ends) + unterminated)


def lix(text: str) -> float:
    return counts(text).lix
