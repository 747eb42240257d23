"""The ultrasound clinic's pages for staff: the women's change requests, cancellations and
early-scan consents, and the free times offered (``services/ultrasound/clinic.py``)."""

from flask import Flask

from citizen.ultrasound_staff import staff_entries  # noqa: F401 - it registers
from citizen.ultrasound_staff.blueprint import blueprint


def register_ultrasound_staff(app: Flask) -> None:
    app.register_blueprint(blueprint)


__all__ = ["register_ultrasound_staff"]
