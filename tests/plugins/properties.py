"""Hypothesis profiles for the property tests. ``ci``, the default, is small and
derandomized: the same examples on every run, a few seconds in all. ``thorough``
(``HYPOTHESIS_PROFILE=thorough make test PYTEST_ARGS=...``) explores: many more random
examples (``HYPOTHESIS_EXAMPLES``, 500 by default), with failures remembered in
``.hypothesis/`` and replayed first next time."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# The tests drive the app through the function-scoped ``client`` fixture on purpose: what
# one example stores, the next may read, search or collide with.
_SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
               HealthCheck.data_too_large]

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          database=None, suppress_health_check=_SUPPRESSED)
settings.register_profile("thorough", deadline=None, suppress_health_check=_SUPPRESSED,
                          max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "500")))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
