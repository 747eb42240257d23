"""Registries restored after every test: a due job, sender, seeder, inbound handler, FHIR
handler or notification event that a test registers never reaches the next test, so test
order cannot matter."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def _registries() -> list[dict | list]:
    # Imported here, not at the top: tests.plugins.app sets the environment before the
    # application's modules are imported.
    from citizen.fhir import registry as fhir_registry
    from services import demo
    from services.helsenorge import service as helsenorge
    from services.jobs import registry as jobs_registry
    from services.notify import events as notify_events
    from services.outbox import channels

    return [jobs_registry._jobs, channels._senders, demo._seeders, helsenorge._handlers,
            fhir_registry._handlers, notify_events._events]


@contextmanager
def restored_registries() -> Iterator[None]:
    """Put every registry back as it was on entry (in place: others hold references)."""
    saved = [(registry, copy.copy(registry)) for registry in _registries()]
    try:
        yield
    finally:
        for registry, before in saved:
            if isinstance(registry, dict):
                registry.clear()
                registry.update(before)
            else:
                registry[:] = before


@pytest.fixture(scope="session")
def _everything_registered() -> None:
    """Import every domain's registering modules once, before the first snapshot: a module
    first imported inside a test would register there, be restored away, and never again."""
    import citizen.fhir.resources  # noqa: F401  (the FHIR handlers)
    from services import domains

    domains.load()
    domains.load_demo()


@pytest.fixture(autouse=True)
def _restore_registries(_everything_registered) -> Iterator[None]:
    with restored_registries():
        yield
