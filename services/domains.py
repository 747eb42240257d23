"""Every domain, in dependency order: the one list a new domain joins (its declaration is
``DOMAIN`` in its own package). Later domains may use earlier ones, never the reverse, and
demo data is seeded in this order."""

from __future__ import annotations

from importlib import import_module

from services import (
    audit,
    clients,
    helsenorge,
    jobs,
    notify,
    outbox,
    people,
    records,
    sessions,
    ultrasound,
    wound,
)
from services.domain import Domain

DOMAINS: tuple[Domain, ...] = (
    jobs.DOMAIN,
    outbox.DOMAIN,
    people.DOMAIN,
    audit.DOMAIN,
    sessions.DOMAIN,
    clients.DOMAIN,
    helsenorge.DOMAIN,
    notify.DOMAIN,
    ultrasound.DOMAIN,
    records.DOMAIN,
    wound.DOMAIN,
)


def load() -> None:
    """Import every domain's models and registering modules: what every process needs."""
    for domain in DOMAINS:
        for module in (domain.models, *domain.registers):
            if module:
                import_module(module)


def load_demo() -> None:
    """Import every domain's demo module, so its seeders register in domain order."""
    for domain in DOMAINS:
        if domain.demo:
            import_module(domain.demo)
