"""Notification pages: the citizen's settings (with the SMS preview), administrators'
failed messages and paper letters, and the development page of console messages. The
API views are in ``api.py``, routed by ``citizen/api/blueprint.py``."""

from flask import Flask

from citizen.notifications import staff_entries, tiles  # noqa: F401 - they register
from citizen.notifications.blueprint import blueprint, dev_blueprint


def register_notifications(app: Flask) -> None:
    app.register_blueprint(blueprint)
    if app.config["DEV_FEATURES"]:
        app.register_blueprint(dev_blueprint)


__all__ = ["register_notifications"]
