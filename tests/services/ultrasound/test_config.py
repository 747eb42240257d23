"""The ultrasound settings: hospital windows parsed or refused at start, the limits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from citizen.config import ConfigError, flask_config, load_settings
from services.ultrasound.config import (
    SelfServiceRules,
    configure_ultrasound,
    parse_hospital_windows,
    rules,
    set_rules,
)
from services.ultrasound.gestation import parse_window


def test_hospital_windows():
    assert parse_hospital_windows("") == {}
    assert parse_hospital_windows(" 883974832:routine=18+0-19+6 ; 974749025:early=12+0-13+6;") \
        == {"883974832": {"routine": parse_window("18+0-19+6")},
            "974749025": {"early": parse_window("12+0-13+6")}}
    assert parse_hospital_windows("883974832:routine=18+0-19+6;883974832:early=11+3-13+6") \
        == {"883974832": {"routine": parse_window("18+0-19+6"),
                          "early": parse_window("11+3-13+6")}}


@pytest.mark.parametrize("text", ["88397483:routine=18+0-19+6", "883974832:late=18+0-19+6",
                                  "883974832=18+0-19+6", "883974832:routine=19+6-18+0",
                                  "abcdefghi:routine=18+0-19+6", "883974832:routine=18-19"])
def test_hospital_windows_refused(text):
    with pytest.raises(ValueError):
        parse_hospital_windows(text)


def test_settings_default_and_refused():
    config = flask_config(load_settings({}))["ULTRASOUND"]
    assert config == {"cancel_before_hours": 24, "window_closing_days": 7,
                      "hospital_windows": "883974832:routine=18+0-19+6",
                      "reminder_hours": 48, "sms_confirmation": True,
                      "calendar_host": "127.0.0.1"}
    with pytest.raises(ConfigError, match="ULTRASOUND_REMINDER_HOURS"):
        load_settings({"ULTRASOUND_REMINDER_HOURS": "0"})
    with pytest.raises(ConfigError, match="ULTRASOUND_HOSPITAL_WINDOWS"):
        load_settings({"ULTRASOUND_HOSPITAL_WINDOWS": "St. Olav:18-19"})
    with pytest.raises(ConfigError, match="ULTRASOUND_CANCEL_BEFORE_HOURS"):
        load_settings({"ULTRASOUND_CANCEL_BEFORE_HOURS": "-1"})


def test_configure():
    configure_ultrasound({"cancel_before_hours": 48, "window_closing_days": 3,
                          "hospital_windows": "974749025:early=12+0-13+6"})
    assert rules().cancel_before == timedelta(hours=48)
    assert rules().windows.closing_days == 3
    assert rules().windows.window_for(service="early", organisation_numbers=["974749025"]) \
        == parse_window("12+0-13+6")
    with pytest.raises(ValueError, match="negative"):
        set_rules(SelfServiceRules(cancel_before=timedelta(hours=-1)))
