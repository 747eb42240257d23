"""The surveillance pages on the staff home."""

from flask_babel import lazy_gettext as _l

from citizen.home.staff_entries import Entry, register_entry
from services.people.models import Role

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
