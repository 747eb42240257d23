"""Fixtures as plugins (loaded from pyproject's addopts), so any test module can use them."""
