"""The surveillance pages on the staff home."""

from flask import url_for
from flask_babel import lazy_gettext as _l

from citizen.babel_cache import gettext as _
from citizen.home.staff_entries import Entry, register_entry
from services.actors import Actor
from services.people.models import Role
from services.wound import worklist
from services.wound.models import CaseState


def worklist_counts(actor: Actor) -> list[tuple[str, int, str | None]]:
    """Flagged answers, patients to call, cases in review and awaiting information, each
    linking to the worklist where they are."""
    counts = worklist.home_counts(actor=actor)
    listed = url_for("wound_staff.worklist")
    return [(_("Flagged answers"), counts["flagged"], f"{listed}#flagged"),
            (_("Patients to call"), counts["to_call"],
             f"{listed}?state={CaseState.NON_RESPONDER.value}"),
            (_("In review"), counts["in_review"],
             f"{listed}?state={CaseState.UNDER_REVIEW.value}"),
            (_("Awaiting information"), counts["awaiting_information"],
             f"{listed}?state={CaseState.AWAITING_INFORMATION.value}")]


register_entry(Entry(
    "wound-worklist", Role.INFECTION_CONTROL, _l("Wound infection follow-up"),
    _l("Answers to the questionnaires after surgery, patients to phone, and the "
       "classification of infections."),
    endpoint="wound_staff.worklist", counts=worklist_counts))
register_entry(Entry(
    "wound-statistics", Role.INFECTION_CONTROL, _l("Wound infection statistics"),
    _l("Infections after surgery per category and period, with confidence intervals; "
       "as tables, charts, CSV and PDF."),
    endpoint="wound_staff.statistics"))
register_entry(Entry(
    "wound-exports", Role.INFECTION_CONTROL, _l("NOIS-POSI reporting"),
    _l("The tertial's operations and classified infections for national reporting, "
       "as CSV or a FHIR Bundle."),
    endpoint="wound_staff.exports"))
