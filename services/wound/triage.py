"""Automatic triage of her final answer: the red flags it raises and its score, so the
infection-control worklist puts the right case first (issue 13 reads them).

The rules are data (``data/triage.json``): a red flag is an answer that by itself informs an
NHSN criterion (purulent drainage, a wound deliberately opened, deep dehiscence, antibiotics,
readmission, reoperation); the score is the sum of the weights of the answers given, and a
case is flagged at the threshold or above, or with any red flag. Our own weights, not a
validated instrument (none is published for MRS POSI's items).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

RULES_FILE = Path(__file__).with_name("data") / "triage.json"


@dataclass(frozen=True)
class Rules:
    threshold: int
    #: linkId → answer → weight.
    weights: Mapping[str, Mapping[str, int]]
    #: linkId → the answers that raise its red flag.
    red_flags: Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class Assessment:
    #: linkIds whose answer raised a red flag, in questionnaire order.
    red_flags: list[str]
    score: int
    flagged: bool


@cache
def rules() -> Rules:
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    return Rules(threshold=int(data["threshold"]),
                 weights={link: {answer: int(w) for answer, w in by.items()}
                          for link, by in data["weights"].items()},
                 red_flags={link: frozenset(answers)
                            for link, answers in data["red_flags"].items()})


def assess(items: list[dict[str, Any]], *, using: Rules | None = None) -> Assessment:
    """The triage of a QuestionnaireResponse's ``items`` (as stored, already valid)."""
    using = using or rules()
    flags, score = [], 0
    for link, answer in answers_in(items):
        score += using.weights.get(link, {}).get(answer, 0)
        if answer in using.red_flags.get(link, ()) and link not in flags:
            flags.append(link)
    return Assessment(red_flags=flags, score=score,
                      flagged=bool(flags) or score >= using.threshold)


def answers_in(items: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(linkId, answer) for every answer, depth first: a coding as its code, a boolean as
    ``true``/``false``; other value types (a date) carry no weight and are left out."""
    for item in items:
        for answer in item.get("answer", []):
            if "valueCoding" in answer:
                yield item["linkId"], str(answer["valueCoding"].get("code"))
            elif "valueBoolean" in answer:
                yield item["linkId"], "true" if answer["valueBoolean"] else "false"
            yield from answers_in(answer.get("item", []))
        yield from answers_in(item.get("item", []))
