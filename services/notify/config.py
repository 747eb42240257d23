"""What notifications read from the configuration: the timing rules, KRR, the transports.
The app factory calls ``configure_notify(app.config["NOTIFY"], ...)`` in every process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.notify import transports
from services.notify.krr import configure_krr
from services.notify.timing import QuietHours, parse_quiet_hours


@dataclass(frozen=True)
class Rules:
    quiet_hours: QuietHours | None
    #: Messages per person per channel per Oslo day.
    daily_cap: int


_rules: Rules | None = None


def configure_notify(notify_config: Mapping[str, Any], *, public_base_url: str) -> None:
    """Set the rules, KRR and the transports from ``app.config["NOTIFY"]``."""
    set_rules(Rules(quiet_hours=parse_quiet_hours(notify_config.get("quiet_hours") or ""),
                    daily_cap=int(notify_config["daily_cap"])))
    configure_krr(url=notify_config.get("krr_url"))
    transports.configure(notify_config, public_base_url=public_base_url)


def set_rules(rules: Rules) -> None:
    global _rules
    if rules.daily_cap < 1:
        raise ValueError("the daily cap must be at least 1")
    _rules = rules


def rules() -> Rules:
    if _rules is None:
        raise RuntimeError("notifications are not configured")
    return _rules
