"""The front page (what Min helse is, the ways in), Min side for citizens, the staff home."""

from citizen.home.blueprint import blueprint

__all__ = ["blueprint"]
