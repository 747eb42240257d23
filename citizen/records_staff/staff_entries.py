"""The record lookup on the staff home, for health personnel."""

from flask_babel import lazy_gettext as _l

from citizen.home.staff_entries import Entry, register_entry
from services.people.models import Role

for role in ("INFECTION_CONTROL", "ULTRASOUND_CLINIC"):
    register_entry(Entry(
        f"records-patient-documents-{role.lower()}", Role[role], _l("A patient's health record"),
        _l("Read a patient's documents, giving a reason the patient can see."),
        endpoint="records_staff_documents.lookup_page"))
