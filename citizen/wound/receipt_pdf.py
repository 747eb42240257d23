"""Her answers to the wound questionnaire as a PDF receipt (PDF/UA-1, through
``citizen.pdf``): the hospital, the day of the operation, each question she answered and
her answer in her language, when she sent it, and the receipt number."""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale

from citizen.babel_cache import gettext as _
from citizen.i18n import day
from citizen.pdf import render_pdf
from services.wound import answered
from services.wound.answers import questionnaire_of
from services.wound.cases import Case

TEMPLATE = "pdf/wound_receipt.html"


def receipt_pdf(found: Case, lang: str) -> bytes:
    """The receipt of ``found``'s final answer in ``lang`` (nb, nn or en); needs an app or
    request context."""
    sections = answered.sections(questionnaire_of(found.case), found.answer.response["item"],
                                 language=lang)
    with force_locale(lang):
        return render_pdf(TEMPLATE, language=lang, title=_("Your answers about the wound"),
                          found=found, sections=sections, answer_text=answer_text)


def answer_text(value: answered.Value) -> str:
    """An answer as the reader's language writes it."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, date):
        return day(value)
    return str(value)


def filename_of(found: Case) -> str:
    """A plain ASCII name, saying nothing of what it is about."""
    return f"kvittering-{found.receipt_id}.pdf"
