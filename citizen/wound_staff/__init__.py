"""Infection-control staff's wound surveillance: pages under /staff/ssi and the JSON API under
/api/v1/staff/ssi. Each area adds its own routes (``add_routes``): the worklist and the case
(``cases``), classification (``classification``), statistics (``statistics``) and national
reporting (``exports``)."""

from flask import Flask

from citizen.wound_staff import staff_entries  # noqa: F401 - it registers
from citizen.wound_staff.blueprint import blueprint


def register_wound_staff(app: Flask) -> None:
    app.register_blueprint(blueprint)


__all__ = ["register_wound_staff"]
