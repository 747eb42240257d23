"""Configure the adapters to outside systems from the app's settings."""

from flask import Flask

from services.helsenorge.gateway import configure_helsenorge


def register_integrations(app: Flask) -> None:
    configure_helsenorge(**app.config["HELSENORGE"])
