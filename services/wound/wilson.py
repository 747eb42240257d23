"""Wilson's score interval for a proportion (Wilson 1927; Newcombe 1998, method 3): unlike
the normal ("Wald") interval it stays inside 0–1 and is usable at 0 of n, which a small
hospital's rare infections often are. statsmodels is not installed, so the formula is here,
once, tested against Newcombe's published values."""

from __future__ import annotations

from math import sqrt

#: The standard normal quantile for a two-sided 95 % interval.
Z95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """The interval for ``successes`` of ``trials``; None when there are no trials."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError("successes must be between 0 and trials")
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high
