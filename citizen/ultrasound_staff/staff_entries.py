"""The clinic's pages on the staff home."""

from flask_babel import lazy_gettext as _l

from citizen.home.staff_entries import Entry, register_entry
from services.people.models import Role

register_entry(Entry(
    "ultrasound-requests", Role.ULTRASOUND_CLINIC, _l("Requests for a new time"),
    _l("Pregnant women who asked for another ultrasound time or to be called."),
    endpoint="ultrasound_staff.requests"))
register_entry(Entry(
    "ultrasound-cancellations", Role.ULTRASOUND_CLINIC, _l("Cancelled ultrasound scans"),
    _l("Coming scans that were cancelled, and the times they leave free."),
    endpoint="ultrasound_staff.cancellations"))
register_entry(Entry(
    "ultrasound-consents", Role.ULTRASOUND_CLINIC, _l("Consents to the early scan"),
    _l("Each coming early scan, and whether the woman has consented."),
    endpoint="ultrasound_staff.consents"))
register_entry(Entry(
    "ultrasound-slots", Role.ULTRASOUND_CLINIC, _l("Free ultrasound times"),
    _l("The times the clinic offers: add new ones and close those it cannot keep."),
    endpoint="ultrasound_staff.slots"))
