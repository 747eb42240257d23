"""The questionnaire as the pages of a form that works without JavaScript.

Each top-level group is a page. A question whose enableWhen looks at an answer on the
same page cannot be shown or hidden there without a script, so it moves to a follow-up
page of its group, shown only when its condition holds once the page before is sent
("Has the wound opened?" yes → "Could you see the tissue under the skin?"). A condition
on an earlier page is already answered when the page is drawn, so such an item stays on
its group's page, shown or left out. Rejected: every question on one page with "answer
only if …" hints, which leaves the reader to work out the branching the form knows.

Her answers travel as ``{linkId: answer}`` (one ``value[x]`` each: the questions do not
repeat) and become a QuestionnaireResponse nested as the Questionnaire is, with the
answers of disabled items left out, so a changed answer drops the follow-ups it no longer
asks. Which items are enabled is the validator's rule (``enabled_link_ids``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from citizen.i18n import parse_day
from services.fhir.problem import Problem
from services.fhir.questionnaire import enabled_link_ids

Answers = dict[str, dict[str, Any]]
NO_ANSWER = frozenset({"group", "display"})
#: What a field may hold: the longest posted value looked at.
MAX_FIELD = 100
YES, NO = "yes", "no"


@dataclass(frozen=True)
class Page:
    #: 1, 2 …: its place in the URL.
    number: int
    #: The top-level group it shows (None for an item outside any group).
    group: dict[str, Any] | None
    #: Its questions and texts, in the Questionnaire's order (nested ones included).
    items: tuple[dict[str, Any], ...]
    #: A page of questions that depend on the answers of the page before.
    follow_up: bool

    @property
    def questions(self) -> tuple[dict[str, Any], ...]:
        return tuple(item for item in self.items if item.get("type") not in NO_ANSWER)

    def shown(self, enabled: frozenset[str]) -> tuple[dict[str, Any], ...]:
        return tuple(item for item in self.items if item["linkId"] in enabled)

    def applies(self, enabled: frozenset[str]) -> bool:
        """Whether the page has a question to ask, given the answers so far."""
        return any(item["linkId"] in enabled for item in self.questions)


def pages_of(questionnaire: Mapping[str, Any]) -> tuple[Page, ...]:
    pages: list[Page] = []
    for top in questionnaire.get("item", []):
        layered = _layers(top)
        for layer in sorted({depth for _, depth in layered}):
            items = tuple(item for item, depth in layered if depth == layer)
            if any(item.get("type") not in NO_ANSWER for item in items):
                pages.append(Page(len(pages) + 1, top if top.get("type") == "group" else None,
                                  items, follow_up=layer > 0))
    return tuple(pages)


def _layers(top: dict[str, Any]) -> list[tuple[dict[str, Any], int]]:
    """The group's items (or the lone item) with the page layer each goes on: one after
    the items on its page that it depends on, and after the question it is nested in."""
    layer: dict[str, int] = {}
    found: list[tuple[dict[str, Any], int]] = []

    def walk(items: list[dict[str, Any]], floor: int) -> None:
        for item in items:
            depends = [layer[c.get("question")] + 1 for c in item.get("enableWhen", [])
                       if c.get("question") in layer]
            depth = max([floor, *depends])
            layer[item["linkId"]] = depth
            if item.get("type") != "group":
                found.append((item, depth))
            # A question's children sit under its answer: they follow once it is given.
            walk(item.get("item", []), depth + (item.get("type") != "group"))

    if top.get("type") == "group":
        walk(top.get("item", []), 0)
    else:
        walk([top], 0)
    return found


# -- answers and the response ------------------------------------------------------------

def answers_in(response: Mapping[str, Any] | None) -> Answers:
    """The answers of a stored response, by linkId."""
    found: Answers = {}

    def walk(items: Any) -> None:
        for item in items if isinstance(items, list) else []:
            for answer in item.get("answer", []):
                value = {k: v for k, v in answer.items() if k.startswith("value")}
                if value:
                    found.setdefault(item["linkId"], value)
                walk(answer.get("item"))
            walk(item.get("item"))

    walk((response or {}).get("item"))
    return found


def enabled(questionnaire: dict[str, Any], answers: Answers) -> frozenset[str]:
    return enabled_link_ids(_response(questionnaire, answers), questionnaire)


def response_of(questionnaire: dict[str, Any], answers: Answers, *, canonical: str,
                final: bool) -> dict[str, Any]:
    """A QuestionnaireResponse of ``answers``, without those to items not enabled."""
    shown = enabled(questionnaire, answers)
    kept = {link: value for link, value in answers.items() if link in shown}
    return {"resourceType": "QuestionnaireResponse", "questionnaire": canonical,
            "status": "completed" if final else "in-progress",
            **_response(questionnaire, kept)}


def _response(questionnaire: dict[str, Any], answers: Answers) -> dict[str, Any]:
    def items_of(definitions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        built = []
        for definition in definitions:
            link, kind = definition["linkId"], definition.get("type")
            if kind == "group":
                children = items_of(definition.get("item", []))
                if children:
                    built.append({"linkId": link, "item": children})
            elif kind != "display" and link in answers:
                answer = dict(answers[link])
                children = items_of(definition.get("item", []))
                if children:
                    answer["item"] = children
                built.append({"linkId": link, "answer": [answer]})
        return built

    return {"resourceType": "QuestionnaireResponse",
            "item": items_of(questionnaire.get("item", []))}


def missing(pages: tuple[Page, ...], answers: Answers,
            shown: frozenset[str]) -> list[dict[str, Any]]:
    """The required questions shown on ``pages`` that have no answer yet."""
    return [item for page in pages for item in page.questions
            if item.get("required") and item["linkId"] in shown and item["linkId"] not in answers]


# -- moving between pages ----------------------------------------------------------------

def next_page(pages: tuple[Page, ...], after: int, shown: frozenset[str]) -> Page | None:
    """The next page with something to ask; None: on to the review."""
    return next((p for p in pages if p.number > after and p.applies(shown)), None)


def previous_page(pages: tuple[Page, ...], before: int, shown: frozenset[str]) -> Page | None:
    return next((p for p in reversed(pages) if p.number < before and p.applies(shown)), None)


def resume_page(pages: tuple[Page, ...], answers: Answers, shown: frozenset[str], *,
                after: int = 0) -> Page | None:
    """Where she left off: the first page (after ``after``) with a required question
    unanswered, or with nothing answered at all; None: everything is, on to the review."""
    for page in pages:
        if page.number <= after or not page.applies(shown):
            continue
        asked = [item for item in page.shown(shown) if item.get("type") not in NO_ANSWER]
        if missing((page,), answers, shown) or not any(i["linkId"] in answers for i in asked):
            return page
    return None


# -- reading a posted page ---------------------------------------------------------------

def field_name(item: Mapping[str, Any]) -> str:
    """The form field (and the id of its first input): the linkId, apart from our own
    fields (``csrf_token``, ``action``) whatever a questionnaire names its items."""
    return f"q-{item['linkId']}"


@dataclass(frozen=True)
class Posted:
    #: Her answers with the page's fields as sent (those she left empty removed).
    answers: Answers
    #: What she typed, by linkId, to show again with the errors.
    entered: dict[str, str]
    #: Fields that could not be read, by linkId: a code for ``labels.field_error``.
    errors: dict[str, str]


def read_page(page: Page, form: Mapping[str, str], *, answers: Answers, shown: frozenset[str],
              operated_on: date, today: date) -> Posted:
    """Her answers with ``page``'s fields as posted. Fields of questions the page does not
    show are ignored; a value that fits no question of its type is an error, not stored."""
    merged = dict(answers)
    entered: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item in page.questions:
        link = item["linkId"]
        if link not in shown:
            merged.pop(link, None)
            continue
        raw = (form.get(field_name(item)) or "").strip()
        entered[link] = raw[:MAX_FIELD]
        if not raw:
            merged.pop(link, None)
            continue
        value, error = _value(item, raw, operated_on=operated_on, today=today)
        if error:
            errors[link] = error
        else:
            merged[link] = value
    return Posted(merged, entered, errors)


def read_all(questionnaire: dict[str, Any], form: Mapping[str, str], *, operated_on: date,
             today: date) -> Posted:
    """Every question of the questionnaire posted at once (staff filling it in for her on
    the phone, on one page): answers to questions her other answers do not ask are left
    out, and a required question they do ask, left empty, is an error."""
    pages = pages_of(questionnaire)
    every = Page(0, None, tuple(item for page in pages for item in page.items),
                 follow_up=False)
    posted = read_page(every, form, answers={},
                       shown=frozenset(item["linkId"] for item in every.questions),
                       operated_on=operated_on, today=today)
    shown = enabled(questionnaire, posted.answers)
    errors = {item["linkId"]: "required" for item in missing(pages, posted.answers, shown)}
    return Posted({link: value for link, value in posted.answers.items() if link in shown},
                  posted.entered, errors | posted.errors)


def _value(item: Mapping[str, Any], raw: str, *, operated_on: date,
           today: date) -> tuple[dict[str, Any] | None, str | None]:
    kind = item.get("type")
    if len(raw) > MAX_FIELD:
        return None, "too-long"
    if kind == "boolean":
        if raw not in (YES, NO):
            return None, "yes-or-no"
        return {"valueBoolean": raw == YES}, None
    if kind == "choice":
        codings = [o["valueCoding"] for o in item.get("answerOption", []) if "valueCoding" in o]
        chosen = next((c for c in codings if c.get("code") == raw), None)
        if chosen is None:
            # Sent on as given: the validator says it is not an option (code-invalid).
            system = codings[0].get("system") if codings else None
            return {"valueCoding": {"system": system, "code": raw}}, None
        return {"valueCoding": {k: chosen[k] for k in ("system", "code") if k in chosen}}, None
    if kind == "date":
        day = parse_day(raw)
        if day is None:
            return None, "date"
        if day > today:
            return None, "date-future"
        if day < operated_on:
            return None, "date-before-operation"
        return {"valueDate": day.isoformat()}, None
    if kind in ("integer", "decimal"):
        return _number(kind, raw)
    return None, "unknown"


def _number(kind: str, raw: str) -> tuple[dict[str, Any] | None, str | None]:
    text = raw.replace(" ", "").replace(",", ".").replace("\u2212", "-")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None, "number"
    if not number.is_finite():
        return None, "number"
    if kind == "integer":
        if number != number.to_integral_value():
            return None, "whole-number"
        return {"valueInteger": int(number)}, None
    return {"valueDecimal": float(number)}, None


def value_text(item: Mapping[str, Any], value: Mapping[str, Any]) -> str:
    """A stored answer as the form field holds it."""
    if "valueBoolean" in value:
        return YES if value["valueBoolean"] else NO
    if "valueCoding" in value:
        return str(value["valueCoding"].get("code", ""))
    if "valueDate" in value:
        written = date.fromisoformat(value["valueDate"])
        return f"{written.day}.{written.month}.{written.year}"
    for key in ("valueInteger", "valueDecimal"):
        if key in value:
            return str(value[key])
    return ""


# -- the service's problems, placed on fields ------------------------------------------

_STEP = re.compile(r"\.(item|answer)\[(\d+)\]")


def problem_fields(problems: list[Problem], response: Mapping[str, Any]) -> dict[str, str]:
    """The linkId each problem is about (by its expression in ``response``) and its code;
    a problem about no one question is under the empty key."""
    placed: dict[str, str] = {}
    for problem in problems:
        link = _link_at(problem.expression, response) or ""
        placed.setdefault(link, problem.code)
    return placed


def _link_at(expression: str, response: Mapping[str, Any]) -> str | None:
    node: Any = response
    link = None
    for kind, index in _STEP.findall(expression):
        seq = node.get(kind) if isinstance(node, dict) else None
        if not isinstance(seq, list) or int(index) >= len(seq):
            break
        node = seq[int(index)]
        if kind == "item" and isinstance(node, dict):
            link = node.get("linkId")
    return link
