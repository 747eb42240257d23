"""TODO: cases"""

from flask import Blueprint


def add_routes(blueprint: Blueprint) -> None:
    """Not built yet."""
