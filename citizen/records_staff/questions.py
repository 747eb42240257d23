"""The records officer's pages: the citizens' "ask why" questions to their organisation
(and its units), and the answer form. Another organisation's question is 404; staff
without the records officer role are refused (403). Each page calls one service function
(``services.records.questions``), which audits what it shows and does."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate
from werkzeug.exceptions import NotFound

from citizen.auth.current import staff_required
from citizen.babel_cache import gettext as _
from citizen.home.staff_entries import Entry, register_entry
from citizen.ids import ID
from citizen.payloads import load_form
from citizen.records import log_labels
from services.people.models import Role
from services.records import questions

blueprint = Blueprint("records_staff_questions", __name__,
                      url_prefix="/staff/records/questions")
officer_required = staff_required(role=Role.RECORDS_OFFICER)

register_entry(Entry(
    "records-questions", Role.RECORDS_OFFICER, _l("Questions about the access log"),
    _l("Patients who ask why someone here looked at their record: see the entry and "
       "answer them."),
    endpoint="records_staff_questions.questions"))


class AnswerForm(Schema):
    class Meta:
        unknown = EXCLUDE  # csrf_token and the submit button

    answer = fields.String(load_default="", validate=validate.Length(max=50_000))


@officer_required
def questions_page():
    return render_template("records_staff/questions/list.html",
                           open_rows=questions.open_questions(actor=g.actor),
                           answered_rows=questions.answered_questions(actor=g.actor),
                           labels=log_labels)


@officer_required
def question_page(question_id: int):
    return _answer_form(_question(question_id))


@officer_required
def answer(question_id: int):
    row = _question(question_id)
    form = load_form(AnswerForm())
    try:
        questions.answer(question_id=question_id, answer=form["answer"], actor=g.actor)
    except questions.NotFound:
        raise NotFound() from None
    except questions.InvalidText as exc:
        message = {"required": _("Write the answer."),
                   "too_long": _("Write at most 4000 characters.")}.get(
            exc.code, log_labels.question_error(exc.code))
        return _answer_form(row, entered=form, errors={"answer": message}, status=422)
    except questions.AlreadyAnswered:
        return _answer_form(row, entered=form, status=409,
                            refused=_("This question has already been answered."))
    flash(_("The answer is sent. The patient is told that there is an answer to read."),
          "success")
    return redirect(url_for(".questions"), code=303)


def _question(question_id: int) -> questions.OfficerQuestion:
    try:
        return questions.question_for_officer(question_id=question_id, actor=g.actor)
    except questions.NotFound:
        raise NotFound() from None


def _answer_form(row, *, entered=None, errors=None, refused=None, status=200):
    return render_template("records_staff/questions/question.html", row=row,
                           values=entered or {"answer": ""}, errors=errors or {},
                           refused=refused, labels=log_labels,
                           max_answer=questions.MAX_ANSWER), status


blueprint.add_url_rule("", endpoint="questions", view_func=questions_page)
blueprint.add_url_rule(f"/<{ID}:question_id>", endpoint="question", view_func=question_page)
blueprint.add_url_rule(f"/<{ID}:question_id>/answer", endpoint="answer", view_func=answer,
                       methods=["POST"])
