"""What the wound answer channels read from the configuration. The app factory calls
``configure_wound(app.config["WOUND"])`` in every process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class ChannelSettings:
    #: How long an SMS dialogue waits for her next reply (WOUND_SMS_DIALOGUE_HOURS).
    sms_dialogue_hours: int = 48
    #: helsenorge's Tjenesteområde code (Volven 7618) for the form task's ``meta.security``,
    #: as NHN assigns it to the hospital's form service (WOUND_HELSENORGE_SERVICE_AREA);
    #: None: the task carries its confidentiality label only.
    helsenorge_service_area: str | None = None


_settings = ChannelSettings()


def configure_wound(config: Mapping[str, Any]) -> None:
    """Set the channel settings from ``app.config["WOUND"]``."""
    defaults = ChannelSettings()
    set_channel_settings(
        sms_dialogue_hours=int(config.get("sms_dialogue_hours", defaults.sms_dialogue_hours)),
        helsenorge_service_area=config.get("helsenorge_service_area") or None)


def set_channel_settings(**changes: Any) -> ChannelSettings:
    """Change any of the settings; the others keep their values."""
    global _settings
    updated = replace(_settings, **changes)
    if updated.sms_dialogue_hours < 1:
        raise ValueError("an SMS dialogue waits at least an hour")
    _settings = updated
    return _settings


def channel_settings() -> ChannelSettings:
    return _settings
