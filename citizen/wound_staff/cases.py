"""The case page (``/staff/ssi/cases/<id>``): the case, her answer in the questionnaire's
words, red flags, photos, the hospital's reported events, notes and calls, and the forms
that act on it (a move, a note, a call), each carrying the version it was read at
(``services.wound.review``).

Each form posts to its own endpoint and goes back to the case (303) with a notice. A stale
version (someone else changed the case) or a move the machine refuses is 409, bad input
422 at its field; either way the page is drawn again as the case now is, with what was
entered kept in the form it was entered in. The worklist is the other page of this area
(``worklist_page``), the answer taken on the phone ``phone_answer``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound

from citizen.auth.current import person_label
from citizen.babel_cache import gettext as _
from citizen.i18n import current_language
from citizen.wound_staff import labels
from citizen.wound_staff.access import ID, case_or_404, infection_control
from citizen.wound_staff.statistics import category_name
from services.clock import today_in_norway
from services.wound import answers, classification, review, staff, states
from services.wound.models import CallOutcome, NoteKind

#: A posted text is cut here: twice what a note takes, so "too long" is still said.
MAX_POSTED = 2 * review.MAX_TEXT
#: The form's field a refusal names, where the service calls it otherwise.
FIELDS = {("move", "text"): "note"}


def add_routes(blueprint: Blueprint) -> None:
    case = f"/cases/<{ID}:case_id>"
    blueprint.add_url_rule(case, endpoint="case", view_func=case_page)
    blueprint.add_url_rule(f"{case}/moves", endpoint="move", view_func=move, methods=["POST"])
    blueprint.add_url_rule(f"{case}/notes", endpoint="note", view_func=note, methods=["POST"])
    blueprint.add_url_rule(f"{case}/calls", endpoint="call", view_func=call, methods=["POST"])
    blueprint.add_url_rule(f"{case}/photos/<{ID}:photo_id>", endpoint="photo",
                           view_func=photo)


@infection_control
def case_page(case_id: int):
    return page(case_id)


@infection_control
def move(case_id: int):
    entered = posted("to", "note")
    return _act(case_id, "move", entered, lambda version: review.transition(
        case_id=case_id, to=entered["to"], note=entered["note"], version=version,
        actor=g.actor), done=_("The case is moved."))


@infection_control
def note(case_id: int):
    entered = posted("topic", "text")
    return _act(case_id, "note", entered, lambda version: review.add_note(
        case_id=case_id, topic=entered["topic"], text=entered["text"], version=version,
        actor=g.actor), done=_("The note is saved."))


@infection_control
def call(case_id: int):
    entered = posted("outcome", "text")
    if entered["outcome"] == CallOutcome.ANSWERED_BY_PHONE.value:
        # Her answer is taken on its own page; the note typed here goes along.
        query = {"text": entered["text"][:review.MAX_TEXT]} if entered["text"] else {}
        return redirect(url_for("wound_staff.phone_answer", case_id=case_id, **query),
                        code=303)
    return _act(case_id, "call", entered, lambda version: review.record_call(
        case_id=case_id, outcome=entered["outcome"], text=entered["text"], version=version,
        actor=g.actor), done=_("The call is noted."))


@infection_control
def photo(case_id: int, photo_id: int):
    try:
        found = review.photo(case_id=case_id, photo_id=photo_id, actor=g.actor)
    except staff.NotFound:
        raise NotFound() from None
    return Response(found.data, mimetype=found.content_type, headers={
        "Cache-Control": "no-store", "Content-Disposition": "inline",
        "X-Content-Type-Options": "nosniff"})


def posted(*names: str) -> dict[str, str]:
    return {name: request.form.get(name, "")[:MAX_POSTED] for name in names}


def posted_version() -> int | None:
    version = request.form.get("version", "")
    return int(version) if version.isdecimal() and len(version) < 10 else None


def stale_text() -> str:
    return _("Someone else changed this case since you opened it. What you entered is kept "
             "below: check the case as it is now and send it again.")


def _act(case_id: int, form: str, entered: dict[str, str], write, *, done: str):
    """Make the write; back to the case, or the page again with the refusal."""
    case_or_404(case_id)  # another hospital's case is not there, whatever was sent
    try:
        write(posted_version())
    except staff.NotFound:
        raise NotFound() from None
    except staff.Stale:
        return page(case_id, form=form, entered=entered, refused=stale_text(), status=409)
    except states.NotAllowed:
        return page(case_id, form=form, entered=entered, status=409, refused=_(
            "The case cannot be moved so from the state it is in now."))
    except review.Invalid as invalid:
        return page(case_id, form=form, entered=entered, status=422,
                    errors={f"{form}-{FIELDS.get((form, invalid.field), invalid.field)}":
                            invalid_text(invalid)})
    flash(done, "success")
    return redirect(url_for("wound_staff.case", case_id=case_id), code=303)


def invalid_text(invalid: review.Invalid) -> str:
    return {
        "too-long": _("Write at most %(num)d characters.", num=review.MAX_TEXT),
        "required": _("Write what the note is about."),
        "unknown-topic": _("Choose a topic."),
        "unknown-state": _("Choose one of the moves."),
        "unknown-outcome": _("Choose how the call went."),
    }.get(invalid.code, _("Check this field."))


def page(case_id: int, *, form: str | None = None, entered: dict[str, str] | None = None,
         errors: dict[str, str] | None = None, refused: str | None = None, status: int = 200):
    language = current_language()
    try:
        detail = review.case_detail(case_id=case_id, actor=g.actor, language=language)
    except staff.NotFound:
        raise NotFound() from None
    case = detail.case
    values: dict[str, dict[str, Any]] = {"move": {}, "note": {}, "call": {}}
    if form is not None:
        values[form] = entered or {}
    return render_template(
        "wound_staff/case.html", detail=detail, case=case, values=values,
        errors=errors or {}, refused=refused, refused_form=form if refused else None,
        patient=person_label(detail.person),
        category=category_name(detail.operation.category),
        day=(today_in_norway() - detail.operation.operated_on).days,
        writers=detail.writers, labels=labels, NoteKind=NoteKind,
        topics=review.TOPICS, outcomes=list(CallOutcome),
        takes_answer=case.state in answers.OPEN,
        classifiable=case.state in classification.CLASSIFIABLE), status

