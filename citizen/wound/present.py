"""The questionnaire's own texts in the page's language, and her answers as she reads them.

Item texts are bokmål in ``text`` (the Questionnaire's ``language``), with nynorsk and
English as FHIR translation extensions (``questionnaires.translations``); a text without
the page's language is shown in bokmål rather than not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_decimal

from citizen.babel_cache import gettext as _
from citizen.i18n import current_language, day
from citizen.wound.form import NO_ANSWER, Answers, Page, field_name, value_text
from citizen.wound.labels import field_error
from services.wound.questionnaires import translations


def translated(element: Mapping[str, Any], key: str, *, base_language: str = "nb") -> str:
    """``element[key]`` (``text``, ``title``, ``display``) in the page's language."""
    text = str(element.get(key) or "")
    language = current_language()
    if language == base_language:
        return text
    return translations(element.get(f"_{key}")).get(language, text)


def title_of(questionnaire: Mapping[str, Any]) -> str:
    return translated(questionnaire, "title", base_language=_base(questionnaire))


def text_of(questionnaire: Mapping[str, Any], item: Mapping[str, Any] | None) -> str:
    return translated(item, "text", base_language=_base(questionnaire)) if item else ""


def options_of(questionnaire: Mapping[str, Any],
               item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(value posted, label) of each answer the question offers."""
    if item.get("type") == "boolean":
        return [("yes", _("Yes")), ("no", _("No"))]
    return [(option["valueCoding"]["code"],
             translated(option["valueCoding"], "display", base_language=_base(questionnaire)))
            for option in item.get("answerOption", []) if "valueCoding" in option]


def answer_text(questionnaire: Mapping[str, Any], item: Mapping[str, Any],
                value: Mapping[str, Any] | None) -> str:
    """Her answer as words: the option's label, yes or no, the date as people write it."""
    if value is None:
        return _("Not answered")
    if "valueBoolean" in value:
        return _("Yes") if value["valueBoolean"] else _("No")
    if "valueCoding" in value:
        code = value["valueCoding"].get("code")
        return dict(options_of(questionnaire, item)).get(code, str(code))
    if "valueDate" in value:
        return day(date.fromisoformat(value["valueDate"]))
    if "valueInteger" in value:
        return str(value["valueInteger"])
    if "valueDecimal" in value:
        return format_decimal(value["valueDecimal"])
    return ""


def question_fields(questionnaire: Mapping[str, Any], items: tuple[dict[str, Any], ...], *,
                    answers: Answers, entered: Mapping[str, str], errors: Mapping[str, str],
                    operated_on: date) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The form's fields of ``items`` (wound/_questions.html draws them), each holding what
    was entered or else the stored answer, with its error; and the error summary, by field."""
    fields, summary = [], {}
    for item in items:
        link = item["linkId"]
        message = (field_error(errors[link], item, operated_on=operated_on)
                   if link in errors else None)
        field = {"id": field_name(item), "type": item.get("type"),
                 "text": text_of(questionnaire, item),
                 "options": options_of(questionnaire, item), "error": message,
                 "value": entered.get(link, value_text(item, answers[link])
                                      if link in answers else "")}
        fields.append(field)
        if message:
            summary[field["id"]] = f"{field['text']} – {message}"
    return fields, summary


@dataclass(frozen=True)
class Row:
    question: str
    answer: str
    answered: bool


@dataclass(frozen=True)
class Section:
    """One page's questions shown, as the review and the receipt list them."""

    title: str
    page: Page
    rows: tuple[Row, ...]


def page_title(questionnaire: Mapping[str, Any], page: Page) -> str:
    """The group's text; on its follow-up page, said to be more of the same."""
    group = text_of(questionnaire, page.group) or title_of(questionnaire)
    return _("%(group)s: more questions", group=group) if page.follow_up else group


def review_sections(questionnaire: Mapping[str, Any], pages: tuple[Page, ...],
                    answers: Answers, shown: frozenset[str]) -> list[Section]:
    """Her answers, page by page, to the questions she is asked."""
    return [Section(page_title(questionnaire, page), page, tuple(
                Row(text_of(questionnaire, item),
                    answer_text(questionnaire, item, answers.get(item["linkId"])),
                    item["linkId"] in answers)
                for item in page.shown(shown) if item.get("type") not in NO_ANSWER))
            for page in pages if page.applies(shown)]


def _base(questionnaire: Mapping[str, Any]) -> str:
    return str(questionnaire.get("language") or "nb")
