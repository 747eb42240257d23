"""What the clinic's pages say for the codes of its service."""

from __future__ import annotations

from citizen.babel_cache import gettext as _
from services.ultrasound.models import ChangeReason


def reason_label(reason: ChangeReason | str) -> str:
    return {
        ChangeReason.NO_FITTING_SLOT: _("None of the free times suit her"),
        ChangeReason.TIME_DOES_NOT_SUIT: _("The time does not suit her"),
        ChangeReason.ILLNESS: _("She is ill"),
        ChangeReason.TRAVEL: _("She is travelling"),
        ChangeReason.OTHER: _("Something else"),
        ChangeReason.SMS_CALL_ME: _("She answered the reminder: call me"),
    }[ChangeReason(reason)]


def clinic_error_text(code: str) -> str:
    texts = {
        "reason_required": _("Write why the appointment is cancelled. She will not see it."),
        "reason_too_long": _("Write the reason in at most 200 characters."),
        "already_cancelled": _("This appointment is already cancelled."),
        "not_changeable": _("This appointment is over, so it cannot be cancelled."),
        "schedule_inactive": _("This schedule is closed. Times cannot be added to it."),
        "bad_length": _("A time lasts 5 to 240 minutes."),
        "in_the_past": _("The time has passed. Choose a time still to come."),
        "overlaps": _("This overlaps another time in the same schedule."),
        "no_such_time": _("That time does not exist on this day: the clocks go forward."),
        "booked": _("This time is booked. Cancel or move the appointment first."),
    }
    return texts.get(code, _("This could not be done."))
