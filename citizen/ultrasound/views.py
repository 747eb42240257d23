"""Her scans on the web: the overview, one scan, and the forms to cancel, move, ask for
another time, decide on the early scan, and report twins, special needs or an interpreter.

Every form works without JavaScript; a refusal is shown on the form (4xx), nothing she
typed is lost, and a success goes back to the scan with a notice (303).
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from werkzeug.exceptions import NotFound

from citizen.auth.current import login_required, person_label
from citizen.babel_cache import gettext as _
from citizen.i18n import current_language
from citizen.payloads import load_form
from citizen.ultrasound.access import is_herself, scans_subject
from citizen.ultrasound.labels import change_reasons, refusal_text
from citizen.ultrasound.schemas import (
    REVOKED,
    CancelForm,
    ChangeRequestForm,
    ConsentForm,
    RebookForm,
    ReportForm,
)
from services.people.models import Person
from services.ultrasound import consent, selfservice
from services.ultrasound.models import ConsentDecision

CONSENT_TEMPLATE = "ultrasound/consent.html"


@login_required
def overview():
    subject = scans_subject()
    if subject is None:
        return _not_covered()
    found = selfservice.overview_of(person_id=subject.id, actor=g.actor)
    return render_template(
        "ultrasound/overview.html", subject=subject, subject_label=person_label(subject),
        upcoming=found.upcoming, past=found.past, decision=found.decision,
        report=found.report, interpreter=_language_name(subject.interpreter_language),
        due_date=found.due_date)


@login_required
def scan(appointment_id: int):
    subject, found = _scan(appointment_id)
    if found is None:
        return subject
    return render_template("ultrasound/scan.html", scan=found,
                           interpreter=_language_name(found.appointment.interpreter_language))


@login_required
def cancel_page(appointment_id: int):
    subject, found = _scan(appointment_id)
    if found is None:
        return subject
    return _cancel_form(found)


@login_required
def cancel(appointment_id: int):
    subject, found = _scan(appointment_id)
    if found is None:
        return subject
    form = load_form(CancelForm())
    try:
        selfservice.cancel(appointment_id=appointment_id, person_id=subject.id,
                           reason=form["reason"], actor=g.actor)
    except selfservice.InvalidInput:
        return _cancel_form(found, entered=form,
                            errors={"reason": _("Write a few words about why (at most 200 "
                                                "characters).")}, status=422)
    except selfservice.SelfServiceError as exc:
        return _cancel_form(found, entered=form, refused=refusal_text(exc), status=409)
    flash(_("The appointment is cancelled. We have sent you a confirmation."), "success")
    return redirect(url_for("ultrasound.scan", appointment_id=appointment_id), code=303)


@login_required
def rebook_page(appointment_id: int):
    subject, found = _scan(appointment_id)
    if found is None:
        return subject
    return _rebook_form(subject, found)


@login_required
def rebook(appointment_id: int):
    subject, found = _scan(appointment_id)
    if found is None:
        return subject
    form = load_form(RebookForm())
    if form["slot"] is None:
        return _rebook_form(subject, found, errors={"slot": _("Choose a new time.")},
                            status=422)
    try:
        selfservice.rebook(appointment_id=appointment_id, person_id=subject.id,
                           slot_id=form["slot"], actor=g.actor)
    except selfservice.SelfServiceError as exc:
        status = 422 if isinstance(exc, selfservice.SlotNotFound | selfservice.OutsideWindow
                                   | selfservice.SlotNotSuitable) else 409
        return _rebook_form(subject, found, errors={"slot": refusal_text(exc)}, status=status)
    flash(_("Your appointment is moved. We have sent you a confirmation."), "success")
    return redirect(url_for("ultrasound.scan", appointment_id=appointment_id), code=303)


@login_required
def change_page(appointment_id: int):
    subject, found = _scan(appointment_id)
    if found is None:
        return subject
    return _change_form(found)


@login_required
def change(appointment_id: int):
    subject, found = _scan(appointment_id)
    if found is None:
        return subject
    form = load_form(ChangeRequestForm())
    if not form["reason"]:
        return _change_form(found, entered=form, errors={"reason": _("Choose a reason.")},
                            status=422)
    try:
        selfservice.request_change(appointment_id=appointment_id, person_id=subject.id,
                                   reason=form["reason"], reason_text=form["reason_text"],
                                   wants_call=form["wants_call"], actor=g.actor)
    except selfservice.InvalidInput:
        return _change_form(found, entered=form, errors={
            "reason_text": _("Write at most 200 characters.")}, status=422)
    except selfservice.SelfServiceError as exc:
        return _change_form(found, entered=form, refused=refusal_text(exc), status=409)
    flash(_("We have sent your request to the clinic. They will contact you."), "success")
    return redirect(url_for("ultrasound.scan", appointment_id=appointment_id), code=303)


@login_required
def consent_page():
    subject = scans_subject()
    if subject is None:
        return _not_covered()
    return _consent_form(subject)


@login_required
def decide_consent():
    subject = scans_subject()
    if subject is None:
        return _not_covered()
    form = load_form(ConsentForm())
    if not is_herself():
        return _consent_form(subject, status=403)
    if not form["decision"]:
        return _consent_form(subject, errors={"decision": _("Choose yes or no.")}, status=422)
    if form["decision"] == ConsentDecision.CONSENTED and not form["has_read"]:
        return _consent_form(subject, entered=form, errors={
            "has_read": _("Confirm that you have read the information.")}, status=422)
    try:
        if form["decision"] == REVOKED:
            consent.revoke(person_id=subject.id, actor=g.actor)
        else:
            consent.decide(person_id=subject.id, decision=ConsentDecision(form["decision"]),
                           information_version=form["information_version"], actor=g.actor)
    except consent.OutdatedInformation:
        return _consent_form(subject, errors={"decision": _(
            "The information has changed since you opened the page. Read it again, then "
            "decide.")}, status=409)
    except consent.NothingToRevoke:
        return _consent_form(subject, errors={"decision": _(
            "There is no decision to withdraw.")}, status=409)
    flash({"consented": _("Thank you. Your consent is registered."),
           "refused": _("Your answer is registered. You will not have the early scan."),
           REVOKED: _("Your decision is withdrawn. You can decide again at any time."),
           }[form["decision"]], "success")
    return redirect(url_for("ultrasound.overview"), code=303)


@login_required
def report_page():
    subject = scans_subject()
    if subject is None:
        return _not_covered()
    return _report_form(subject)


@login_required
def report():
    subject = scans_subject()
    if subject is None:
        return _not_covered()
    form = load_form(ReportForm())
    errors = {}
    language = form["interpreter"] or None
    if language is not None and language not in selfservice.interpreter_languages(
            current_language()):
        errors["interpreter"] = _("Choose a language from the list.")
    if len(" ".join(form["special_needs"].split())) > selfservice.MAX_SPECIAL_NEEDS:
        errors["special_needs"] = _("Write at most 500 characters.")
    if errors:
        return _report_form(subject, entered=form, errors=errors, status=422)
    selfservice.report_pregnancy(
        person_id=subject.id, twins={"yes": True, "no": False}.get(form["twins"]),
        special_needs=form["special_needs"], actor=g.actor)
    selfservice.set_interpreter(person_id=subject.id, language=language, actor=g.actor)
    flash(_("Thank you. We have registered what you told us."), "success")
    return redirect(url_for("ultrasound.overview"), code=303)


# -- the pages behind them -------------------------------------------------------------

def _scan(appointment_id: int):
    """(subject, scan), or (the answer, None) when there is none to show."""
    subject = scans_subject()
    if subject is None:
        return _not_covered(), None
    try:
        return subject, selfservice.scan_of(appointment_id=appointment_id,
                                            person_id=subject.id, actor=g.actor)
    except selfservice.AppointmentNotFound:
        raise NotFound() from None


def _not_covered():
    return render_template("ultrasound/not_covered.html"), 403


def _cancel_form(found, *, entered=None, errors=None, refused=None, status=200):
    return render_template("ultrasound/cancel.html", scan=found, values=entered or {},
                           errors=errors or {}, refused=refused), status


def _rebook_form(subject: Person, found, *, errors=None, status=200):
    slots, unavailable = [], None
    try:
        slots = selfservice.free_slots(appointment_id=found.appointment.id,
                                       person_id=subject.id, actor=g.actor)
    except selfservice.SelfServiceError as exc:
        unavailable = refusal_text(exc)
    return render_template("ultrasound/rebook.html", scan=found, slots=slots,
                           unavailable=unavailable, errors=errors or {}), status


def _change_form(found, *, entered=None, errors=None, refused=None, status=200):
    return render_template("ultrasound/change.html", scan=found, values=entered or {},
                           errors=errors or {}, refused=refused,
                           reasons=change_reasons()), status


def _consent_form(subject: Person, *, entered=None, errors=None, status=200):
    decision = consent.consent_of(person_id=subject.id, actor=g.actor)
    return render_template(CONSENT_TEMPLATE, decision=decision, values=entered or {},
                           errors=errors or {}, herself=is_herself(),
                           subject_label=person_label(subject),
                           information_version=consent.INFORMATION_VERSION), status


def _report_form(subject: Person, *, entered=None, errors=None, status=200):
    stored = selfservice.report_of(person_id=subject.id, actor=g.actor)
    values = entered or {
        "twins": {True: "yes", False: "no"}.get(stored.twins, "") if stored else "",
        "special_needs": (stored.special_needs or "") if stored else "",
        "interpreter": subject.interpreter_language or ""}
    languages = sorted(selfservice.interpreter_languages(current_language()).items(),
                       key=lambda item: item[1].lower())
    return render_template("ultrasound/report.html", values=values, errors=errors or {},
                           interpreter_options=languages), status


def _language_name(code: str | None) -> str | None:
    if code is None:
        return None
    return selfservice.interpreter_languages(current_language()).get(code, code)
