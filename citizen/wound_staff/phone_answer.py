"""Her answer taken on the phone (``/staff/ssi/cases/<id>/phone-answer``): the nurse fills
the questionnaire in on her behalf, all questions on one page, and it is stored as a call
answered by phone (``review.record_call``: channel phone, answered by the staff member).

The questions are drawn and read as the citizen's own form does (``citizen.wound.form``
and ``present``, ``wound/_questions.html``); only the paging is left out: the nurse asks
the follow-up questions when the answers before them call for them, and answers to
questions her other answers do not ask are left out when it is stored.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound

from citizen.babel_cache import gettext as _
from citizen.wound import form, present
from citizen.wound_staff.access import ID, case_or_404, infection_control
from citizen.wound_staff.cases import MAX_POSTED, invalid_text, posted_version, stale_text
from services.clock import today_in_norway
from services.wound import answers, review, staff
from services.wound.models import AnswerStatus, CallOutcome, FollowUp


def add_routes(blueprint: Blueprint) -> None:
    path = f"/cases/<{ID}:case_id>/phone-answer"
    blueprint.add_url_rule(path, endpoint="phone_answer", view_func=phone_page)
    blueprint.add_url_rule(path, endpoint="save_phone_answer", view_func=save,
                           methods=["POST"])


@infection_control
def phone_page(case_id: int):
    case = case_or_404(case_id)
    staff.audit_read(case, actor=g.actor)  # her draft, if she saved one, is shown
    return _page(case, note=request.args.get("text", "")[:review.MAX_TEXT])


@infection_control
def save(case_id: int):
    case = case_or_404(case_id)
    questionnaire = answers.questionnaire_of(case)
    posted = form.read_all(questionnaire, request.form, operated_on=case.operation.operated_on,
                           today=today_in_norway())
    note = request.form.get("text", "")[:MAX_POSTED]
    shown = {"entered": posted.entered, "note": note}
    if posted.errors:
        return _page(case, errors=posted.errors, status=422, **shown)
    response = form.response_of(questionnaire, posted.answers, final=True,
                                canonical=answers.canonical(case))
    try:
        review.record_call(case_id=case.id, outcome=CallOutcome.ANSWERED_BY_PHONE, text=note,
                           version=posted_version(), actor=g.actor, response=response)
    except staff.NotFound:
        raise NotFound() from None
    except staff.Stale:
        return _page(case, refused=stale_text(), status=409, **shown)
    except (answers.AlreadyFinal, answers.NotOpen):
        return _page(case, refused=_("The case takes no answer now: she may have answered "
                                     "in the meantime. Her answer is on the case page."),
                     status=409, **shown)
    except answers.AnswerRefused as refused:
        return _page(case, errors=form.problem_fields(refused.problems, response),
                     status=422, **shown)
    except review.Invalid as invalid:
        return _page(case, note_error=invalid_text(invalid), status=422, **shown)
    flash(_("Her answer is saved as answered on the phone."), "success")
    return redirect(url_for("wound_staff.case", case_id=case.id), code=303)


def _page(case: FollowUp, *, entered: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, note: str = "", note_error: str | None = None,
          refused: str | None = None, status: int = 200):
    questionnaire = answers.questionnaire_of(case)
    stored = answers.answer_of(case.id)
    draft = (form.answers_in(stored.response)
             if stored is not None and stored.status is AnswerStatus.DRAFT else {})
    errors = errors or {}
    sections: list[dict[str, Any]] = []
    summary: dict[str, str] = {}
    for page in form.pages_of(questionnaire):
        fields, found = present.question_fields(
            questionnaire, page.items, answers=draft, entered=entered or {}, errors=errors,
            operated_on=case.operation.operated_on)
        sections.append({"title": present.page_title(questionnaire, page),
                         "follow_up": page.follow_up, "fields": fields})
        summary |= found
    if "" in errors and not summary:  # a problem about no one question
        summary["text"] = _("We could not save her answers. Check them and try again.")
    if note_error:
        summary["text"] = note_error
    return render_template(
        "wound_staff/phone_answer.html", case=case, sections=sections, summary=summary,
        note=note, note_error=note_error, refused=refused, version=case.version_id,
        title=present.title_of(questionnaire),
        takes_answer=case.state in answers.OPEN), status
