"""The front page: what Min helse is, and the way in for citizens and staff."""

from citizen.home.blueprint import blueprint

__all__ = ["blueprint"]
