"""Wound-infection follow-up on the web: her questionnaires after an operation, the form
to answer one (a page per question group, drafts, a review, the receipt) and the home
tile."""

from flask import Flask

from citizen.wound import tiles  # noqa: F401 - registers the home tile
from citizen.wound.blueprint import blueprint


def register_wound(app: Flask) -> None:
    app.register_blueprint(blueprint)


__all__ = ["register_wound"]
