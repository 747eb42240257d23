"""The clinic's pages: each calls one service function (``services.ultrasound.clinic``),
which keeps to the staff member's own organisation and audits what is shown and done."""

from __future__ import annotations

from datetime import date, time

from flask import flash, g, redirect, render_template, url_for
from werkzeug.exceptions import NotFound

from citizen.auth.current import staff_required
from citizen.babel_cache import gettext as _
from citizen.payloads import load_form
from citizen.ultrasound_staff.labels import clinic_error_text, reason_label
from citizen.ultrasound_staff.schemas import CancelForm, SlotForm
from services.people.models import Role
from services.ultrasound import clinic

clinic_staff = staff_required(role=Role.ULTRASOUND_CLINIC)


@clinic_staff
def requests():
    return render_template("ultrasound_staff/requests.html",
                           rows=clinic.open_change_requests(actor=g.actor),
                           reason_label=reason_label)


@clinic_staff
def handle_request(request_id: int):
    try:
        clinic.handle_change_request(request_id=request_id, actor=g.actor)
    except clinic.NotFound:
        raise NotFound() from None
    flash(_("The request is marked as handled."), "success")
    return redirect(url_for("ultrasound_staff.requests"), code=303)


@clinic_staff
def cancellations():
    return render_template("ultrasound_staff/cancellations.html",
                           appointments=clinic.cancellations(actor=g.actor))


@clinic_staff
def cancel_page(appointment_id: int):
    return _cancel_form(_clinics(appointment_id))


@clinic_staff
def cancel(appointment_id: int):
    appointment = _clinics(appointment_id)
    form = load_form(CancelForm())
    try:
        clinic.cancel_appointment(appointment_id=appointment_id, reason=form["reason"],
                                  actor=g.actor)
    except clinic.ClinicError as exc:
        field = exc.code in ("reason_required", "reason_too_long")
        return _cancel_form(appointment, entered=form, status=422 if field else 409,
                            errors={"reason": clinic_error_text(exc.code)} if field else {},
                            refused=None if field else clinic_error_text(exc.code))
    flash(_("The appointment is cancelled. The woman is told, and its time is free again."),
          "success")
    return redirect(url_for("ultrasound_staff.cancellations"), code=303)


@clinic_staff
def consents():
    return render_template("ultrasound_staff/consents.html",
                           rows=clinic.early_scan_consents(actor=g.actor))


@clinic_staff
def slots():
    return _slots_page()


@clinic_staff
def add_slot():
    form = load_form(SlotForm())
    errors: dict[str, str] = {}
    try:
        day = date.fromisoformat(form["day"].strip())
    except ValueError:
        errors["day"] = _("Give the day as YYYY-MM-DD, for example 2026-03-20.")
    try:
        at = time.fromisoformat(form["time"].strip())
        if len(form["time"].strip()) != 5:
            raise ValueError
    except ValueError:
        errors["time"] = _("Give the time as HH:MM, for example 08:30.")
    minutes = form["minutes"].strip()
    if not (minutes.isascii() and minutes.isdigit()):
        errors["minutes"] = clinic_error_text("bad_length")
    if errors:
        return _slots_page(entered=form, errors=errors, status=422)
    try:
        clinic.add_slot(schedule_id=form["schedule"], start=clinic.wall_clock_start(day, at),
                        minutes=int(minutes), actor=g.actor)
    except clinic.NotFound:
        raise NotFound() from None
    except clinic.ClinicError as exc:
        where = {"bad_length": "minutes", "no_such_time": "time", "in_the_past": "day",
                 "overlaps": "time"}.get(exc.code, "day")
        return _slots_page(entered=form, errors={where: clinic_error_text(exc.code)},
                           status=422)
    flash(_("The time is added and can be booked."), "success")
    return redirect(url_for("ultrasound_staff.slots"), code=303)


@clinic_staff
def close_slot(slot_id: int):
    try:
        clinic.close_slot(slot_id=slot_id, actor=g.actor)
    except clinic.NotFound:
        raise NotFound() from None
    except clinic.ClinicError as exc:
        flash(clinic_error_text(exc.code), "error")
        return redirect(url_for("ultrasound_staff.slots"), code=303)
    flash(_("The time is closed and can no longer be booked."), "success")
    return redirect(url_for("ultrasound_staff.slots"), code=303)


def _clinics(appointment_id: int):
    try:
        return clinic.appointment_for_clinic(appointment_id=appointment_id, actor=g.actor)
    except clinic.NotFound:
        raise NotFound() from None


def _cancel_form(appointment, *, entered=None, errors=None, refused=None, status=200):
    return render_template("ultrasound_staff/cancel.html", appointment=appointment,
                           values=entered or {"reason": ""}, errors=errors or {},
                           refused=refused), status


def _slots_page(*, entered=None, errors=None, status=200):
    return render_template("ultrasound_staff/slots.html",
                           schedules=clinic.schedules_with_slots(actor=g.actor),
                           values=entered or {}, errors=errors or {}), status
