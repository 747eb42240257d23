"""Factories for test data; each flushes into the test's SAVEPOINT session."""

from __future__ import annotations

from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from services.clock import utcnow
from services.db import db
from services.jobs.models import ScheduledJob


class ModelFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 - resolved per test
        sqlalchemy_session_persistence = "flush"


class ScheduledJobFactory(ModelFactory):
    class Meta:
        model = ScheduledJob

    name = factory.Sequence(lambda n: f"job-{n}")
    next_run_at = factory.LazyFunction(lambda: utcnow() - timedelta(seconds=1))
