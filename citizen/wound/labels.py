"""The words of the questionnaire pages that are ours, not the Questionnaire's: what is
wrong with a field, and why a case takes no answer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from citizen.babel_cache import gettext as _
from citizen.i18n import day
from services.wound.models import CaseState


def field_error(code: str, item: Mapping[str, Any], *, operated_on: date) -> str:
    """What to do about a field: a code of ``form.read_page``, ``form.missing`` (required)
    or of the answer service's problems (``code-invalid``, ``value``, ``structure``)."""
    kind = item.get("type")
    if code == "required":
        return {"boolean": _("Choose yes or no."), "date": _("Write a date."),
                "integer": _("Write a number."), "decimal": _("Write a number."),
                }.get(kind, _("Choose one of the answers."))
    messages = {
        "yes-or-no": _("Choose yes or no."),
        "code-invalid": _("Choose one of the answers."),
        "date": _("Write the date like this: 14.3.2026."),
        "date-future": _("The date cannot be after today."),
        "date-before-operation": _("The date cannot be before the operation on %(date)s.",
                                   date=day(operated_on)),
        "number": _("Write a number."),
        "whole-number": _("Write a whole number."),
        "too-long": _("The answer is too long."),
    }
    if code == "value":
        return messages["date" if kind == "date" else "code-invalid"]
    return messages.get(code, _("We could not save this answer. Check it and try again."))


def not_open_text(state: CaseState) -> tuple[str, str]:
    """(title, what it means) for a case she was asked that takes no answer now (one she
    was never asked is not there: services/wound/cases.py)."""
    if state is CaseState.LOST:
        return (_("The time to answer is over"),
                _("You do not need to do anything. Thank you all the same."))
    return (_("This questionnaire is closed"), _("You do not need to answer it."))
