"""The registry of due work: each domain declares its periodic jobs with ``@due_job``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class DueJob:
    name: str
    every: timedelta
    #: Called with ``now=``; returns how many items it handled (for the log and metrics).
    run: Callable[..., int | None]


_jobs: dict[str, DueJob] = {}


def due_job(name: str, *, every: timedelta) -> Callable[[Callable[..., int | None]], Callable]:
    """Register ``fn(*, now: datetime)`` to run every ``every``."""

    def register(fn: Callable[..., int | None]) -> Callable[..., int | None]:
        if name in _jobs and _jobs[name].run is not fn:
            raise ValueError(f"due job {name!r} is registered twice")
        _jobs[name] = DueJob(name=name, every=every, run=fn)
        return fn

    return register


def registered_jobs() -> dict[str, DueJob]:
    return dict(_jobs)
