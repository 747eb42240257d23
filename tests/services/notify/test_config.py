"""What the app factory configures for notifications, and the settings it refuses."""

from __future__ import annotations

from datetime import time

import pytest

from services.notify import krr, transports
from services.notify.config import Rules, configure_notify, rules, set_rules
from services.notify.timing import QuietHours
from services.notify.transports.console import ConsoleTransport

BASE = {"twilio": {}, "smtp_url": None, "smtp_from": "x", "krr_url": None,
        "quiet_hours": "21:00-08:00", "daily_cap": 5}


def test_the_app_runs_on_the_defaults(app):
    assert rules() == Rules(quiet_hours=QuietHours(time(21, 0), time(8, 0)), daily_cap=5)
    assert isinstance(transports.installed().sms, ConsoleTransport)
    assert isinstance(krr.contact_register(), krr.NoContactRegister)


def test_configuration_sets_rules_krr_and_transports(app):
    configure_notify({**BASE, "quiet_hours": "", "daily_cap": 2,
                      "krr_url": "http://127.0.0.1:9"}, public_base_url="https://m.example")
    assert rules() == Rules(quiet_hours=None, daily_cap=2)
    assert krr.contact_register() == krr.HttpContactRegister(url="http://127.0.0.1:9")


def test_quiet_hours_that_start_where_they_end_fail_at_start(app):
    with pytest.raises(ValueError, match="same time"):
        configure_notify({**BASE, "quiet_hours": "08:00-08:00"}, public_base_url="x")


def test_a_cap_below_one_is_refused(app):
    with pytest.raises(ValueError, match="at least 1"):
        set_rules(Rules(quiet_hours=None, daily_cap=0))
    set_rules(Rules(quiet_hours=None, daily_cap=1))
    assert rules().daily_cap == 1


def test_unconfigured_is_an_error_not_a_default(app, monkeypatch):
    from services.notify import config

    monkeypatch.setattr(config, "_rules", None)
    monkeypatch.setattr(transports, "_transports", None)
    with pytest.raises(RuntimeError):
        rules()
    with pytest.raises(RuntimeError):
        transports.installed()
