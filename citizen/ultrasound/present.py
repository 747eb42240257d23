"""Scans, slots and consents as the API and the pages show them."""

from __future__ import annotations

from typing import Any

from services.ultrasound.models import EarlyScanConsent, Slot
from services.ultrasound.selfservice import Scan


def minutes(start, end) -> int:
    return int((end - start).total_seconds() // 60)


def location_of(row) -> dict[str, str | None]:
    return {"name": row.location_name, "address_line": row.location_address_line,
            "postal_code": row.location_postal_code, "city": row.location_city}


def scan_fields(scan: Scan) -> dict[str, Any]:
    appointment, checked = scan.appointment, scan.check
    return {
        "id": appointment.id, "service": appointment.service.value,
        "status": appointment.status.value, "start": appointment.start,
        "end": appointment.end, "minutes": minutes(appointment.start, appointment.end),
        "location": location_of(appointment),
        "interpreter_language": appointment.interpreter_language,
        "cancelled_at": appointment.cancelled_at,
        "cancelled_by": appointment.cancelled_by.value if appointment.cancelled_by else None,
        "cancel_reason": appointment.cancel_reason,
        "due_date": scan.due_date,
        "window": None if checked is None else {
            "first": str(checked.window.first), "last": str(checked.window.last),
            "first_day": checked.dates.first_day, "last_day": checked.dates.last_day,
            "state": checked.state.value},
        "gestational_age_today": None if checked is None else str(checked.age_today),
        "gestational_age_at_scan": (None if checked is None or checked.age_booked is None
                                    else str(checked.age_booked)),
        "warnings": [] if checked is None else [w.value for w in checked.warnings],
        "refusal": scan.refusal.value if scan.refusal else None,
        "needs_consent": scan.needs_consent,
        "change_requested": scan.change_requested,
        "version": appointment.version_id,
    }


def slot_fields(slot: Slot) -> dict[str, Any]:
    return {"id": slot.id, "start": slot.start, "end": slot.end,
            "minutes": minutes(slot.start, slot.end), "location": location_of(slot.schedule)}


def consent_fields(found: EarlyScanConsent | None, *, current_version: str) -> dict[str, Any]:
    return {"decision": found.decision.value if found else None,
            "decided_at": found.decided_at if found else None,
            "information_version": found.information_version if found else None,
            "current_information_version": current_version}
