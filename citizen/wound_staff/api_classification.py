"""TODO: api_classification"""

from flask import Blueprint


def add_routes(blueprint: Blueprint) -> None:
    """Not built yet."""
