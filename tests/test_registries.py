"""Registries are put back after each test, so what one test registers cannot leak."""

from __future__ import annotations

from datetime import timedelta

import pytest

from citizen.fhir import registry as fhir_registry
from services import demo
from services.helsenorge import service as helsenorge
from services.jobs import registry as jobs_registry
from services.notify import events as notify_events
from services.outbox import channels
from tests.plugins.registries import restored_registries


class _ThrowAwayHandler(fhir_registry.ResourceHandler):
    resource_type = "Basic"


REGISTRATIONS = {
    "due job": (lambda: jobs_registry.due_job("test.leak", every=timedelta(hours=1))(
                    lambda *, now: 0),
                lambda: "test.leak" in jobs_registry.registered_jobs()),
    "sender": (lambda: channels.sender("test-leak")(lambda payload, message_id: None),
               lambda: "test-leak" in channels._senders),
    "demo seeder": (lambda: demo.demo_seeder("test-leak")(lambda: 0),
                    lambda: "test-leak" in {name for name, _ in demo._seeders}),
    "inbound handler": (lambda: helsenorge.inbound_handler("TEST_LEAK")(lambda envelope: None),
                        lambda: "TEST_LEAK" in helsenorge._handlers),
    "FHIR handler": (lambda: fhir_registry.register(_ThrowAwayHandler),
                     lambda: fhir_registry.handler_for("Basic") is not None),
    "notification event": (lambda: notify_events.register_event("test.leak", essential=False),
                           lambda: "test.leak" in notify_events._events),
}


@pytest.mark.parametrize("kind", REGISTRATIONS)
def test_what_a_test_registers_is_gone_afterwards(kind):
    register, present = REGISTRATIONS[kind]
    with restored_registries():
        register()
        assert present()
    assert not present()


def test_what_was_registered_before_stays():
    before = jobs_registry.registered_jobs()
    with restored_registries():
        del jobs_registry._jobs["system.heartbeat"]
    assert jobs_registry.registered_jobs() == before


# The autouse fixture itself: the first test registers without cleaning up (as the
# helsenorge tests' ``received`` fixture does); the next one, run after it, finds nothing.
def test_a_test_that_registers_and_leaves_it():
    for register, _present in REGISTRATIONS.values():
        register()


def test_the_next_test_does_not_see_it():
    assert [kind for kind, (_, present) in REGISTRATIONS.items() if present()] == []
