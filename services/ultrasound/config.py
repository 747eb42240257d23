"""What the ultrasound service reads from the configuration; ``citizen/integrations.py``
calls ``configure_ultrasound`` in every process (web, worker, beat, CLI)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from services.ultrasound.gestation import WindowRules, parse_window

SERVICES = ("early", "routine")


@dataclass(frozen=True)
class UltrasoundSettings:
    #: How long before the appointment the reminder goes (ULTRASOUND_REMINDER_HOURS).
    reminder_hours: int = 48
    #: The reminder SMS asks for "JA" or "RING" (ULTRASOUND_SMS_CONFIRMATION).
    sms_confirmation: bool = True
    #: Names calendar entries (their UID): the public host of this service.
    calendar_host: str = "localhost"
    #: The windows in force: national, and hospitals' own (ULTRASOUND_HOSPITAL_WINDOWS),
    #: closing from ULTRASOUND_WINDOW_CLOSING_DAYS before their end.
    windows: WindowRules = field(default_factory=WindowRules)
    #: She may cancel or move a booking herself up to this long before it starts
    #: (ULTRASOUND_CANCEL_BEFORE_HOURS); after that she calls the clinic.
    cancel_before: timedelta = timedelta(hours=24)


_settings = UltrasoundSettings()


def configure_ultrasound(**changes: Any) -> UltrasoundSettings:
    """Set any of the settings; the others keep their values."""
    global _settings
    updated = replace(_settings, **changes)
    if updated.reminder_hours < 1:
        raise ValueError("the reminder goes at least an hour before")
    if updated.cancel_before < timedelta(0):
        raise ValueError("the cancellation limit cannot be negative")
    _settings = updated
    return _settings


def ultrasound_settings() -> UltrasoundSettings:
    return _settings


def parse_hospital_windows(text: str) -> dict[str, dict[str, Any]]:
    """``"883974832:routine=18+0-19+6; 974749025:early=12+0-13+6"`` → organisation number →
    service → window. Empty: none."""
    found: dict[str, dict[str, Any]] = {}
    for entry in filter(None, (part.strip() for part in text.split(";"))):
        number, _, rule = entry.partition(":")
        service, _, window = rule.partition("=")
        number, service = number.strip(), service.strip()
        if not (number.isdigit() and len(number) == 9) or service not in SERVICES:
            raise ValueError(f"a hospital window is <org number>:<early|routine>=<first>-"
                             f"<last>, not {entry!r}")
        found.setdefault(number, {})[service] = parse_window(window)
    return found


def window_rules(*, hospital_windows: str, closing_days: int) -> WindowRules:
    return WindowRules(by_organisation=parse_hospital_windows(hospital_windows),
                       closing_days=closing_days)
