"""Pregnancy ultrasound: the early (week 11+0–13+6) and the routine (week 17–19) scan.

The hospital system sends due dates, appointments and free slots over FHIR; the woman sees
her scans, consents to the early one, cancels or rebooks inside the gestational window,
and gets notices and reminders through ``notify``.
"""

from services.domain import Domain

DOMAIN = Domain("ultrasound", models="services.ultrasound.models",
                registers=("services.ultrasound.confirmations", "services.ultrasound.events",
                           "services.ultrasound.helsenorge", "services.ultrasound.reminders",
                           "services.ultrasound.tasks"),
                demo="services.ultrasound.demo",
                fhir_resources=("Appointment", "Observation", "Schedule", "Slot"))
