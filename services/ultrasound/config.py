"""What the ultrasound service reads from the configuration; ``citizen/integrations.py``
calls ``configure_ultrasound`` in every process (web, worker, beat, CLI)."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class UltrasoundSettings:
    #: How long before the appointment the reminder goes (ULTRASOUND_REMINDER_HOURS).
    reminder_hours: int = 48
    #: The reminder SMS asks for "JA" or "RING" (ULTRASOUND_SMS_CONFIRMATION).
    sms_confirmation: bool = True
    #: Names calendar entries (their UID): the public host of this service.
    calendar_host: str = "localhost"


_settings = UltrasoundSettings()


def configure_ultrasound(**changes) -> UltrasoundSettings:
    """Set any of the settings; the others keep their values."""
    global _settings
    updated = replace(_settings, **changes)
    if updated.reminder_hours < 1:
        raise ValueError("the reminder goes at least an hour before")
    _settings = updated
    return _settings


def ultrasound_settings() -> UltrasoundSettings:
    return _settings
