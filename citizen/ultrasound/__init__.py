"""Pregnancy ultrasound on the web: her scans, consent, cancel / move / ask for another
time, the calendar file and the letter; the pages and the /api/v1 endpoints (``api.py``,
routed by ``citizen/api/blueprint.py``)."""

from flask import Flask

from citizen.ultrasound import labels, tiles  # noqa: F401 - tiles registers
from citizen.ultrasound.blueprint import blueprint


def register_ultrasound(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.add_template_global(labels.service_name)
    app.add_template_global(labels.warning_text)
    app.add_template_global(labels.change_reasons)
    app.jinja_env.globals["cancel_before_hours"] = app.config["ULTRASOUND"][
        "cancel_before_hours"]


__all__ = ["register_ultrasound"]
