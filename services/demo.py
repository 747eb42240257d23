"""Demo data for the embedded default: each domain registers an idempotent seeder."""

from __future__ import annotations

from collections.abc import Callable

from services import domains

_seeders: list[tuple[str, Callable[[], int]]] = []


def demo_seeder(name: str) -> Callable[[Callable[[], int]], Callable[[], int]]:
    """Register ``fn() -> rows_created``; it must create nothing when its data exists."""

    def register(fn: Callable[[], int]) -> Callable[[], int]:
        if name not in {n for n, _ in _seeders}:
            _seeders.append((name, fn))
        return fn

    return register


def seed_demo_data() -> dict[str, int]:
    """Run every domain's seeders, domains in dependency order; the caller commits."""
    domains.load_demo()
    return {name: seeder() for name, seeder in _seeders}
