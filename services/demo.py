"""Demo data for the embedded default: each domain registers an idempotent seeder."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from services import domains

#: What a seeder returns: rows created, or rows created by kind (``{"citizens": 8}``).
Created = int | Mapping[str, int]
_seeders: list[tuple[str, Callable[[], Created]]] = []


def demo_seeder(name: str) -> Callable[[Callable[[], Created]], Callable[[], Created]]:
    """Register ``fn() -> rows created``; it must create nothing when its data exists."""

    def register(fn: Callable[[], Created]) -> Callable[[], Created]:
        if name not in {n for n, _ in _seeders}:
            _seeders.append((name, fn))
        return fn

    return register


def seed_demo_data() -> dict[str, int]:
    """Run every domain's seeders, domains in dependency order (a domain's own in the order
    they registered, whoever imported them first); the caller commits. Returns what was
    created, by kind."""
    domains.load_demo()
    order = {domain.name: index for index, domain in enumerate(domains.DOMAINS)}
    created: dict[str, int] = {}
    for name, seeder in sorted(_seeders, key=lambda s: order.get(_domain_of(s[1]),
                                                                 len(order))):
        result = seeder()
        created.update(result if isinstance(result, Mapping) else {name: result})
    return created


def _domain_of(seeder: Callable[[], Created]) -> str:
    """``services.wound.demo.patients`` → ``wound``."""
    return seeder.__module__.split(".")[1]
