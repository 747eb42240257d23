"""What the ultrasound services read from the configuration: the windows in force, the
self-service limits and the reminders. The app factory calls
``configure_ultrasound(app.config["ULTRASOUND"])`` in every process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from services.ultrasound.gestation import WindowRules, parse_window

SERVICES = ("early", "routine")


@dataclass(frozen=True)
class SelfServiceRules:
    windows: WindowRules = field(default_factory=WindowRules)
    #: She may cancel or move a booking up to this long before it starts; after that she
    #: calls the clinic (the slot could not be given to anyone else in time).
    cancel_before: timedelta = timedelta(hours=24)


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


@dataclass(frozen=True)
class ReminderSettings:
    #: How long before the appointment the reminder goes (ULTRASOUND_REMINDER_HOURS).
    reminder_hours: int = 48
    #: The reminder SMS asks for "JA" or "RING" (ULTRASOUND_SMS_CONFIRMATION).
    sms_confirmation: bool = True
    #: Names calendar entries sent to helsenorge (their UID): this service's public host.
    calendar_host: str = "localhost"


_rules: SelfServiceRules | None = None
_reminders = ReminderSettings()


def configure_ultrasound(config: Mapping[str, Any]) -> None:
    """Set the rules from ``app.config["ULTRASOUND"]``."""
    set_rules(SelfServiceRules(
        windows=WindowRules(by_organisation=parse_hospital_windows(config["hospital_windows"]),
                            closing_days=int(config["window_closing_days"])),
        cancel_before=timedelta(hours=int(config["cancel_before_hours"]))))
    defaults = ReminderSettings()
    set_reminder_settings(
        reminder_hours=int(config.get("reminder_hours", defaults.reminder_hours)),
        sms_confirmation=bool(config.get("sms_confirmation", defaults.sms_confirmation)),
        calendar_host=str(config.get("calendar_host", defaults.calendar_host)))


def set_reminder_settings(**changes: Any) -> ReminderSettings:
    """Change any of the reminder settings; the others keep their values."""
    global _reminders
    updated = replace(_reminders, **changes)
    if updated.reminder_hours < 1:
        raise ValueError("the reminder goes at least an hour before")
    _reminders = updated
    return _reminders


def reminder_settings() -> ReminderSettings:
    return _reminders


def set_rules(rules: SelfServiceRules) -> None:
    global _rules
    if rules.cancel_before < timedelta(0):
        raise ValueError("the cancellation limit cannot be negative")
    _rules = rules


def rules() -> SelfServiceRules:
    if _rules is None:
        raise RuntimeError("the ultrasound services are not configured")
    return _rules
