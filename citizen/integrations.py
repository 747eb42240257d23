"""Configure the adapters to outside systems from the app's settings."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask

from services.helsenorge.gateway import configure_helsenorge
from services.notify.config import configure_notify
from services.ultrasound.config import configure_ultrasound, window_rules


def register_integrations(app: Flask) -> None:
    configure_helsenorge(**app.config["HELSENORGE"])
    configure_notify(app.config["NOTIFY"], public_base_url=app.config["PUBLIC_BASE_URL"])
    configure_ultrasound(reminder_hours=app.config["ULTRASOUND_REMINDER_HOURS"],
                         sms_confirmation=app.config["ULTRASOUND_SMS_CONFIRMATION"],
                         calendar_host=urlsplit(app.config["PUBLIC_BASE_URL"]).hostname
                         or "localhost",
                         windows=window_rules(
                             hospital_windows=app.config["ULTRASOUND_HOSPITAL_WINDOWS"],
                             closing_days=app.config["ULTRASOUND_WINDOW_CLOSING_DAYS"]),
                         cancel_before=timedelta(
                             hours=app.config["ULTRASOUND_CANCEL_BEFORE_HOURS"]))
