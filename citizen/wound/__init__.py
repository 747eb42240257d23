"""Wound follow-up on the web: her questionnaires; the receipt of her answers
(``receipt.py``) and the /api/v1 endpoints (``api.py``, routed by
``citizen/api/blueprint.py``)."""

from flask import Flask

from citizen.wound import receipt


def register_wound(app: Flask) -> None:
    app.register_blueprint(receipt.blueprint)


__all__ = ["register_wound"]
