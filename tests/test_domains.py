"""Every domain plugs in at one place: what any module registers, the worker has.

Two fresh interpreters, so nothing this test process imported can hide a gap: one builds the
Celery app the way the worker does (``wsgi``: ``create_app()``), the other imports every module
under ``services/`` and ``citizen/fhir/resources/``. Whatever the second finds registered —
Celery tasks, due jobs, outbox channels, helsenorge message functions, tables, FHIR handlers —
the first must have too; a domain that is not in ``services.domains.DOMAINS``, or a module its
declaration forgets, fails here.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import services
from services.domain import Domain
from services.domains import DOMAINS

ROOT = Path(__file__).resolve().parents[1]

REPORT = """
import json
from services.db import db
from services.helsenorge.service import _handlers as inbound
from services.jobs import registered_jobs
from services.outbox.channels import _senders
from citizen.fhir.registry import handlers
print(json.dumps({
    "tasks": sorted(t for t in celery.tasks if not t.startswith("celery.")),
    "jobs": sorted(registered_jobs()),
    "channels": sorted(_senders),
    "inbound": sorted(inbound),
    "tables": sorted(db.metadata.tables),
    "fhir": sorted(h.resource_type for h in handlers()),
}))
"""

AS_THE_WORKER = "from wsgi import celery\n" + REPORT

EVERY_MODULE = """
import pkgutil, importlib, celery as celery_lib
import services, citizen.fhir.resources
for package in (services, citizen.fhir.resources):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
celery = celery_lib.Celery("every-module")
""" + REPORT


def _run(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=os.environ.copy(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _report(process: subprocess.Popen) -> dict[str, list[str]]:
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def registered() -> tuple[dict, dict]:
    """(what the worker has, what every module registers), built side by side."""
    worker, everything = _run(AS_THE_WORKER), _run(EVERY_MODULE)
    return _report(worker), _report(everything)


@pytest.mark.parametrize("kind", ["tasks", "jobs", "channels", "inbound", "tables", "fhir"])
def test_the_worker_has_everything_any_module_registers(registered, kind):
    worker, everything = registered
    assert set(everything[kind]) - set(worker[kind]) == set()


def test_the_worker_has_the_tasks_jobs_and_channels_known_today(registered):
    """A floor, so the comparison above cannot pass by both sides finding nothing."""
    worker, _ = registered
    assert {"jobs.run_due", "outbox.deliver", "system.ping"} <= set(worker["tasks"])
    assert {"system.heartbeat", "outbox.sweep", "sessions.purge",
            "clients.purge_used_assertions"} <= set(worker["jobs"])
    assert "helsenorge" in worker["channels"]
    assert {"people", "audit_events", "outbox_messages", "web_sessions"} <= set(worker["tables"])


def test_fhir_handlers_are_those_the_domains_declare(registered):
    worker, _ = registered
    declared = [t for domain in DOMAINS for t in domain.fhir_resources]
    assert sorted(declared) == worker["fhir"]
    assert len(declared) == len(set(declared)), "two domains declare one resource type"


def test_every_package_that_declares_a_domain_is_listed_once_under_its_name():
    declaring = {}
    for package in pkgutil.iter_modules(services.__path__):
        if package.ispkg:
            declaration = getattr(importlib.import_module(f"services.{package.name}"), "DOMAIN",
                                  None)
            if isinstance(declaration, Domain):
                declaring[package.name] = declaration
    assert sorted(d.name for d in DOMAINS) == sorted(declaring)
    assert all(declaring[d.name] is d for d in DOMAINS)


def test_every_declared_module_belongs_to_its_domain():
    for domain in DOMAINS:
        for module in (domain.models, domain.demo, *domain.registers):
            if module:
                assert module.startswith(f"services.{domain.name}."), (domain.name, module)
