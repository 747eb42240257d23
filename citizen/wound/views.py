"""Her questionnaires on the web: the list, one questionnaire's start, its pages, the
review before sending, and the receipt.

Plain HTML forms, no JavaScript: each page posts to itself; "Continue" and "Save and
continue later" both save a draft (``answers.save(final=False)``), so she resumes where
she left off from any device. A refusal is shown on the form at its field (4xx) and
nothing she typed is lost; a success goes on (303). Whose: the person the citizen acts for,
when the representation covers questionnaires (a page saying so, 403, otherwise); a case
she may not see is 404 whatever the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound

from citizen.auth.current import login_required
from citizen.babel_cache import gettext as _
from citizen.i18n import current_language, day
from citizen.wound import form, present
from citizen.wound.labels import field_error, not_open_text
from citizen.wound.subject import questionnaires_subject
from services.clock import today_in_norway
from services.wound import answers, cases, photos
from services.wound.models import AnswerChannel

#: The buttons of a page: on to the next, or stop here for now.
NEXT, LATER = "next", "later"


@dataclass
class Filled:
    """A case's questionnaire as she has filled it in so far."""

    her: cases.Case

    @cached_property
    def questionnaire(self) -> dict[str, Any]:
        return answers.questionnaire_of(self.her.case)

    @cached_property
    def pages(self) -> tuple[form.Page, ...]:
        return form.pages_of(self.questionnaire)

    @cached_property
    def answers(self) -> form.Answers:
        return form.answers_in(self.her.answer.response if self.her.answer else None)

    @cached_property
    def shown(self) -> frozenset[str]:
        return form.enabled(self.questionnaire, self.answers)

    def page(self, number: int) -> form.Page:
        if not 1 <= number <= len(self.pages):
            raise NotFound()
        return self.pages[number - 1]

    def page_url(self, page: form.Page | None, *, to_review: bool = False) -> str:
        case_id = self.her.case.id
        if page is None:
            return url_for("wound.review", case_id=case_id)
        return url_for("wound.page", case_id=case_id, number=page.number,
                       **({"return": "review"} if to_review else {}))

    def response(self, given: form.Answers, *, final: bool) -> dict[str, Any]:
        return form.response_of(self.questionnaire, given, final=final,
                                canonical=answers.canonical(self.her.case))


@login_required
def questionnaire_list():
    subject = questionnaires_subject()
    if subject is None:
        return render_template("wound/not_covered.html"), 403
    mine = cases.cases_of(person_id=subject.id, actor=g.actor)
    return render_template("wound/list.html", open=[c for c in mine if c.is_open],
                           answered=[c for c in mine if c.is_answered], title_of=_title,
                           language=current_language())


@login_required
def questionnaire(case_id: int):
    filled = Filled(_her_case(case_id))
    her = filled.her
    if her.is_answered:
        return redirect(url_for("wound.receipt", case_id=case_id))
    if not her.is_open:
        return _not_open(filled)
    resume = form.resume_page(filled.pages, filled.answers, filled.shown)
    return render_template(
        "wound/start.html", her=her, title=present.title_of(filled.questionnaire),
        operation=her.operation_name(current_language()),
        parts=[present.page_title(filled.questionnaire, p) for p in filled.pages
               if not p.follow_up],
        late=her.answer_by is not None and today_in_norway() > her.answer_by,
        resume_url=filled.page_url(resume), started=bool(filled.answers))


@login_required
def page(case_id: int, number: int):
    filled = Filled(_her_case(case_id))
    if not filled.her.is_open:
        return redirect(url_for("wound.questionnaire", case_id=case_id))
    shown_page = filled.page(number)
    to_review = request.args.get("return") == "review"
    if not shown_page.applies(filled.shown):  # its condition does not hold (now)
        return redirect(filled.page_url(form.next_page(filled.pages, number, filled.shown),
                                        to_review=to_review))
    return _page(filled, shown_page, to_review=to_review)


@login_required
def save_page(case_id: int, number: int):
    filled = Filled(_her_case(case_id))
    her, current = filled.her, filled.page(number)
    to_review = request.form.get("return") == "review"
    later = request.form.get("action") == LATER
    if her.is_answered:
        return _already_answered(case_id)
    if not her.is_open:
        return _not_open(filled, status=409)
    posted = form.read_page(current, request.form, answers=filled.answers, shown=filled.shown,
                            operated_on=her.operated_on, today=today_in_norway())
    errors = dict(posted.errors)
    if not errors and not later:
        now_shown = form.enabled(filled.questionnaire, posted.answers)
        errors = {item["linkId"]: "required"
                  for item in form.missing((current,), posted.answers, now_shown)}
    if errors:
        return _page(filled, current, entered=posted.entered, errors=errors,
                     to_review=to_review, status=422)
    refused = _save(filled, filled.response(posted.answers, final=False), final=False,
                    show=lambda errors: _page(filled, current, entered=posted.entered,
                                              to_review=to_review, errors=errors, status=422))
    if refused is not None:
        return refused
    if later:
        flash(_("Your answers are saved. You can continue later, until %(date)s.",
                date=day(her.answer_by)) if her.answer_by else
              _("Your answers are saved. You can continue later."), "success")
        return redirect(url_for("wound.questionnaire", case_id=case_id), code=303)
    shown = form.enabled(filled.questionnaire, posted.answers)
    following = (form.resume_page(filled.pages, posted.answers, shown, after=number)
                 if to_review else form.next_page(filled.pages, number, shown))
    return redirect(filled.page_url(following, to_review=to_review), code=303)


@login_required
def review(case_id: int):
    filled = Filled(_her_case(case_id))
    if not filled.her.is_open:
        return redirect(url_for("wound.questionnaire", case_id=case_id))
    return _review(filled)


@login_required
def add_photo(case_id: int):
    """A photo of the wound with her answer, before she sends it (optional); only
    infection-control staff at the hospital see it."""
    filled = Filled(_her_case(case_id))
    if not filled.her.is_open:
        return redirect(url_for("wound.questionnaire", case_id=case_id))
    limits = photos.photo_limits(current_app.config)
    upload = request.files.get("photo")
    data = upload.read(limits.max_bytes + 1) if upload else b""
    if not data:
        return _review(filled, photo_error=_("Choose a photo to add."), status=422)
    try:
        photos.add_photo(case_id=case_id, data=data, actor=g.actor, limits=limits)
    except photos.PhotoRefused as refused:
        status, message = _photo_refusal(refused, limits)
        return _review(filled, photo_error=message, status=status)
    flash(_("The photo is added. Only infection control staff at the hospital see it."),
          "success")
    return redirect(url_for("wound.review", case_id=case_id, _anchor="photo"), code=303)


def _photo_refusal(refused: photos.PhotoRefused, limits: photos.PhotoLimits) -> tuple[int, str]:
    if isinstance(refused, photos.NotAnImage):
        return 415, _("The file is not a photo we can use. Choose a JPEG or PNG photo.")
    if isinstance(refused, photos.TooLarge):
        return 413, _("The photo is too large. It can be at most %(mb)d MB.",
                      mb=limits.max_bytes // 2**20)
    if isinstance(refused, photos.TooManyPixels):
        return 422, _("The photo has too many pixels. Take it again with a lower "
                      "resolution, or choose a smaller copy.")
    if isinstance(refused, photos.TooManyPhotos):
        return 409, _("You have added as many photos as you can.")
    return 409, _("You cannot add a photo now.")


@login_required
def submit(case_id: int):
    filled = Filled(_her_case(case_id))
    her = filled.her
    if not her.is_open and not her.is_answered:
        return _not_open(filled, status=409)
    if her.is_open:
        if request.form.get("version") != str(her.answer.version_id if her.answer else 0):
            return _review(filled, changed=True, status=409)
        unanswered = form.missing(filled.pages, filled.answers, filled.shown)
        if unanswered:
            return _review(filled, status=422,
                           errors={item["linkId"]: "required" for item in unanswered})
    # Sent again once answered (a double click, the back button): the stored answer is
    # sent as it is, which the service takes as the same (``Saved.repeated``).
    refused = _save(filled, filled.response(filled.answers, final=True), final=True,
                    show=lambda errors: _review(filled, status=422, errors=errors))
    if refused is not None:
        return refused
    return redirect(url_for("wound.receipt", case_id=case_id), code=303)


@login_required
def receipt(case_id: int):
    filled = Filled(_her_case(case_id))
    if not filled.her.is_answered:
        return redirect(url_for("wound.questionnaire", case_id=case_id))
    return render_template(
        "wound/receipt.html", her=filled.her, title=present.title_of(filled.questionnaire),
        sections=present.review_sections(filled.questionnaire, filled.pages, filled.answers,
                                         filled.shown))


# -- the pages behind them -------------------------------------------------------------

def _save(filled: Filled, response: dict[str, Any], *, final: bool, show):
    """Store her answer; the page to answer with when it is refused (``show`` draws the
    form with the problems at their fields), None when it is stored."""
    case_id = filled.her.case.id
    try:
        answers.save(case_id=case_id, response=response, final=final,
                     channel=AnswerChannel.WEB, actor=g.actor)
    except answers.AlreadyFinal:
        return _already_answered(case_id)
    except answers.NotOpen:
        return _not_open(filled, status=409)
    except answers.AnswerRefused as refused:
        return show(form.problem_fields(refused.problems, response))
    return None


def _her_case(case_id: int) -> cases.Case:
    subject = questionnaires_subject()
    if subject is None:
        raise NotFound()
    try:
        return cases.case_of(case_id=case_id, person_id=subject.id, actor=g.actor)
    except cases.CaseNotFound:
        raise NotFound() from None


def _title(her: cases.Case) -> str:
    return present.title_of(answers.questionnaire_of(her.case))


def _page(filled: Filled, shown_page: form.Page, *, entered: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, to_review: bool = False, status: int = 200):
    questionnaire, her = filled.questionnaire, filled.her
    errors = errors or {}
    asked = shown_page.shown(filled.shown)
    first = next((item for item in asked if item.get("type") not in form.NO_ANSWER), None)
    fields, summary = present.question_fields(questionnaire, asked, answers=filled.answers,
                                              entered=entered or {}, errors=errors,
                                              operated_on=her.operated_on)
    unplaced = {code for link, code in errors.items() if link not in {i["linkId"] for i in asked}}
    if unplaced and first is not None:
        summary.setdefault(form.field_name(first), _(
            "We could not save some of the answers. Check them and try again."))
    previous = form.previous_page(filled.pages, shown_page.number, filled.shown)
    back = (filled.page_url(None) if to_review else
            filled.page_url(previous) if previous else
            url_for("wound.questionnaire", case_id=her.case.id))
    return render_template(
        "wound/page.html", her=her, page=shown_page, fields=fields, summary=summary,
        title=present.title_of(questionnaire),
        heading=present.page_title(questionnaire, shown_page), to_review=to_review,
        back_url=back), status


def _review(filled: Filled, *, errors: dict[str, str] | None = None, changed: bool = False,
            photo_error: str | None = None, status: int = 200):
    sections = present.review_sections(filled.questionnaire, filled.pages, filled.answers,
                                       filled.shown)
    by_link = {item["linkId"]: page for page in filled.pages for item in page.questions}
    summary = {}
    for link, code in (errors or {}).items():
        where = by_link.get(link)
        item = next((i for i in where.questions if i["linkId"] == link), None) if where else None
        if item is None:
            summary.setdefault("send", _("We could not send the answers. Try again."))
            continue
        question = present.text_of(filled.questionnaire, item)
        message = field_error(code, item, operated_on=filled.her.operated_on)
        summary.setdefault(f"change-{where.number}", f"{question} – {message}")
    answer = filled.her.answer
    return render_template(
        "wound/review.html", her=filled.her, title=present.title_of(filled.questionnaire),
        sections=sections, summary=summary, changed=changed,
        incomplete=bool(form.missing(filled.pages, filled.answers, filled.shown)),
        version=answer.version_id if answer else 0, photo_error=photo_error,
        photos_added=photos.photo_count(filled.her.case.id),
        photo_limits=photos.photo_limits(current_app.config),
        page_url=lambda page: filled.page_url(page, to_review=True)), status


def _not_open(filled: Filled, *, status: int = 200):
    title, text = not_open_text(filled.her.case.state)
    return render_template("wound/not_open.html", her=filled.her, notice_title=title,
                           notice_text=text,
                           title=present.title_of(filled.questionnaire)), status


def _already_answered(case_id: int):
    flash(_("This questionnaire is already answered. We keep the answers you sent first."),
          "info")
    return redirect(url_for("wound.receipt", case_id=case_id), code=303)
