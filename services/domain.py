"""What a domain plugs in, declared once as ``DOMAIN`` in its package's ``__init__.py``.

``services.domains.DOMAINS`` lists the declarations; every process (web, worker, beat,
CLI) imports what they name, so nothing a domain registers depends on a list elsewhere.
Module names are written out in full: a reader greps for them, and a wrong one fails at
start, not silently.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Domain:
    name: str
    #: Defines its models; imported so the metadata is complete (Alembic, the tests).
    models: str | None = None
    #: Register its Celery tasks (``@shared_task``), due jobs (``@due_job``), outbox senders
    #: (``@sender``) and helsenorge inbound handlers (``@inbound_handler``) when imported.
    registers: tuple[str, ...] = ()
    #: Registers its demo data (``@demo_seeder``); imported only by ``demo seed``.
    demo: str | None = None
    #: FHIR resource types it maps (in its ``fhir.py``). The web side serves each with a
    #: handler module imported by ``citizen/fhir/resources/__init__.py``; a test holds the two
    #: to the same set.
    fhir_resources: tuple[str, ...] = ()
