"""Configure the adapters to outside systems from the app's settings."""

from flask import Flask

from services.helsenorge.gateway import configure_helsenorge
from services.notify.config import configure_notify
from services.ultrasound.config import configure_ultrasound
from services.wound.config import configure_wound


def register_integrations(app: Flask) -> None:
    configure_helsenorge(**app.config["HELSENORGE"])
    configure_notify(app.config["NOTIFY"], public_base_url=app.config["PUBLIC_BASE_URL"])
    configure_ultrasound(app.config["ULTRASOUND"])
    configure_wound(app.config["WOUND"])
