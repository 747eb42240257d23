"""Wound-infection follow-up on the web: her questionnaires after an operation, the form
to answer one (a page per question group, drafts, a review, the receipt page), the receipt
PDF (``receipt.py``), the home tile, and the /api/v1 endpoints (``api.py``, routed by
``citizen/api/blueprint.py``)."""

from flask import Flask

from citizen.wound import (
    receipt,
    tiles,  # noqa: F401 - registers the home tile
)
from citizen.wound.blueprint import blueprint


def register_wound(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.register_blueprint(receipt.blueprint)


__all__ = ["register_wound"]
