"""Demo data for the embedded default: each domain registers an idempotent seeder."""

from __future__ import annotations

import importlib
from collections.abc import Callable

#: Modules whose ``@demo_seeder`` functions make up the demo data, in dependency order.
DEMO_MODULES = ["services.people.demo"]

_seeders: list[tuple[str, Callable[[], int]]] = []


def demo_seeder(name: str) -> Callable[[Callable[[], int]], Callable[[], int]]:
    """Register ``fn() -> rows_created``; it must create nothing when its data exists."""

    def register(fn: Callable[[], int]) -> Callable[[], int]:
        if name not in {n for n, _ in _seeders}:
            _seeders.append((name, fn))
        return fn

    return register


def seed_demo_data() -> dict[str, int]:
    """Run every seeder in registration order; the caller commits."""
    for module in DEMO_MODULES:
        importlib.import_module(module)
    return {name: seeder() for name, seeder in _seeders}
