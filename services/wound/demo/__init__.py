"""Demo data for wound follow-up, in the order it is seeded: the named demo patients'
cases (``patients``), then the hospital's surveillance of a few hundred more
(``surveillance``), which infection-control staff have worked on."""

from services.wound.demo import patients, surveillance

__all__ = ["patients", "surveillance"]
