"""Her answer read back in her language: each question she answered and what she chose,
in the questionnaire's order, under its group's heading (the receipt, a review page).

Texts come from the questionnaire itself (bokmål in ``text``, nynorsk and English as FHIR
translations); a chosen option is named by the questionnaire's own display of it. What
has no text of its own (yes/no, a date, a number) is left as its value, for the caller to
write in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.wound.questionnaires import translations

#: An answer as it reads: an option's display, or the value itself.
Value = str | bool | int | float | date


@dataclass(frozen=True)
class Row:
    question: str
    answers: list[Value]


@dataclass(frozen=True)
class Section:
    #: The group's text; None for questions outside any group.
    title: str | None
    rows: list[Row] = field(default_factory=list)


def text_in(element: dict[str, Any], name: str, language: str) -> str | None:
    """``element[name]`` in ``language`` (its translation), bokmål when there is none."""
    text = element.get(name)
    if language == "nb" or text is None:
        return text
    return translations(element.get(f"_{name}")).get(language, text)


def sections(questionnaire: dict[str, Any], items: list[dict[str, Any]], *,
             language: str) -> list[Section]:
    """What she answered (``items`` of a QuestionnaireResponse), question by question."""
    answered = {item["linkId"]: item for item in _answered(items)}
    found: list[Section] = []
    loose = Section(title=None)
    for item in questionnaire.get("item", []):
        if item.get("type") == "group":
            section = Section(title=text_in(item, "text", language))
            section.rows.extend(_rows(item.get("item", []), answered, language))
            if section.rows:
                found.append(section)
        else:
            loose.rows.extend(_rows([item], answered, language))
    return ([loose] if loose.rows else []) + found


def _rows(definitions: list[dict[str, Any]], answered: dict[str, dict[str, Any]],
          language: str) -> Iterator[Row]:
    for definition in definitions:
        given = answered.get(definition.get("linkId"))
        if given is not None and given.get("answer"):
            yield Row(question=text_in(definition, "text", language) or definition["linkId"],
                      answers=[_value(definition, answer, language)
                               for answer in given["answer"]])
        # Questions under a question (shown when it is answered so) and under a group.
        yield from _rows(definition.get("item", []), answered, language)


def _answered(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every answered item, however deep: under groups, and under answers."""
    for item in items:
        yield item
        yield from _answered(item.get("item", []))
        for answer in item.get("answer", []):
            yield from _answered(answer.get("item", []))


def _value(definition: dict[str, Any], answer: dict[str, Any], language: str) -> Value:
    if "valueCoding" in answer:
        chosen = answer["valueCoding"]
        for option in definition.get("answerOption", []):
            coding = option.get("valueCoding", {})
            if coding.get("code") == chosen.get("code") and chosen.get("system") in (
                    None, coding.get("system")):
                return text_in(coding, "display", language) or coding["code"]
        return chosen.get("display") or chosen.get("code", "")
    if "valueDate" in answer:
        try:
            return date.fromisoformat(answer["valueDate"])
        except (TypeError, ValueError):  # a month or a year alone, as FHIR allows
            return str(answer["valueDate"])
    for kind in ("valueBoolean", "valueInteger", "valueDecimal", "valueString"):
        if kind in answer:
            return answer[kind]
    return ""
