"""What the pages say for the ultrasound services' codes: refusals, reasons, warnings,
window states and the two services."""

from __future__ import annotations

from citizen.babel_cache import gettext as _
from services.ultrasound import selfservice
from services.ultrasound.gestation import WindowWarning
from services.ultrasound.models import ChangeReason, Service


def refusal_text(exc: Exception) -> str:
    texts = {
        selfservice.AlreadyCancelled: _("This appointment is already cancelled."),
        selfservice.NotChangeable: _("This appointment is over, so it cannot be changed."),
        selfservice.TooLate: _("It is too close to the appointment to change it here. "
                               "Call the clinic."),
        selfservice.ConsentMissing: _("Before you can choose a time for the early scan, "
                                      "you must say whether you want it."),
        selfservice.DueDateUnknown: _("The hospital has not set your due date yet, so we "
                                      "cannot find the right week. Ask the clinic for a "
                                      "new time instead."),
        selfservice.SlotTaken: _("Someone else has just taken that time. Choose another."),
        selfservice.SlotNotFound: _("That time is no longer offered. Choose another."),
        selfservice.SlotNotSuitable: _("That time cannot be used for this scan. Choose "
                                       "another."),
        selfservice.OutsideWindow: _("That time is outside the weeks this scan must be "
                                     "done in. Choose another."),
        selfservice.ChangeAlreadyRequested: _("You have already asked for a new time. The "
                                              "clinic will contact you."),
    }
    return texts.get(type(exc), _("This could not be done. Call the clinic."))


def change_reasons() -> list[tuple[str, str]]:
    return [
        (ChangeReason.NO_FITTING_SLOT.value, _("None of the free times suit me")),
        (ChangeReason.TIME_DOES_NOT_SUIT.value, _("The time does not suit me")),
        (ChangeReason.ILLNESS.value, _("I am ill")),
        (ChangeReason.TRAVEL.value, _("I am travelling")),
        (ChangeReason.OTHER.value, _("Something else")),
    ]


def service_name(service: Service | str) -> str:
    return {Service.EARLY: _("Early ultrasound"),
            Service.ROUTINE: _("Routine ultrasound")}[Service(service)]


def warning_text(warning: WindowWarning | str, *, service: Service | str) -> str:
    return {
        WindowWarning.TOO_EARLY: _("This time is before the weeks the scan should be done "
                                   "in. Choose another time or ask the clinic."),
        WindowWarning.TOO_LATE: _("This time is after the weeks the scan should be done "
                                  "in. Choose another time or ask the clinic."),
        WindowWarning.WINDOW_CLOSING: _("The weeks for this scan end soon, and you have no "
                                        "time inside them. Book a time or ask the clinic."),
        WindowWarning.WINDOW_CLOSED: _("The weeks for this scan have passed. Contact the "
                                       "clinic."),
    }[WindowWarning(warning)]
