"""Every domain plugs in at one place: what any module registers, the worker has.

A fresh interpreter, so nothing this test process imported can hide a gap, builds the Celery
app the way the worker does (``wsgi``: ``create_app()``) and notes what is registered; then
it imports every module under ``services/`` and ``citizen/fhir/resources/``. Whatever is
registered after that — Celery tasks, due jobs, outbox channels, helsenorge message
functions, tables, FHIR handlers, notification events — the worker must have had already:
a domain that is not in ``services.domains.DOMAINS``, or a module its declaration forgets,
fails here.
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
import importlib, json, pkgutil
from wsgi import celery  # the app, exactly as the worker and beat build it
from services.db import db
from services.helsenorge.service import _handlers as inbound
from services.jobs import registered_jobs
from services.notify.events import _events as notification_events
from services.outbox.channels import _senders
from citizen.fhir.registry import handlers
import services, citizen.fhir.resources


def registered():
    return {
        "tasks": sorted(t for t in celery.tasks if not t.startswith("celery.")),
        "jobs": sorted(registered_jobs()),
        "channels": sorted(_senders),
        "inbound": sorted(inbound),
        "tables": sorted(db.metadata.tables),
        "fhir": sorted(h.resource_type for h in handlers()),
        "events": sorted(notification_events),
    }


worker = registered()
# Whatever these imports register comes on top (a shared task joins the finalized app too).
for package in (services, citizen.fhir.resources):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
print(json.dumps({"worker": worker, "everything": registered()}))
"""


@pytest.fixture(scope="module")
def registered() -> tuple[dict, dict]:
    """(what the worker has, what is registered once every module is imported)."""
    result = subprocess.run([sys.executable, "-c", REPORT], cwd=ROOT, env=os.environ.copy(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return report["worker"], report["everything"]


@pytest.mark.parametrize("kind", ["tasks", "jobs", "channels", "inbound", "tables", "fhir",
                                  "events"])
def test_the_worker_has_everything_any_module_registers(registered, kind):
    worker, everything = registered
    assert set(everything[kind]) - set(worker[kind]) == set()


def test_the_worker_has_the_tasks_jobs_and_channels_known_today(registered):
    """A floor, so the comparison above cannot pass by both sides finding nothing."""
    worker, _ = registered
    assert {"jobs.run_due", "outbox.deliver", "system.ping"} <= set(worker["tasks"])
    assert {"system.heartbeat", "outbox.sweep", "sessions.purge",
            "clients.purge_used_assertions"} <= set(worker["jobs"])
    assert {"helsenorge", "sms", "email"} <= set(worker["channels"])
    assert {"notify.test", "notify.new-message"} <= set(worker["events"])
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
