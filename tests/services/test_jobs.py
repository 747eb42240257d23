from datetime import timedelta

import pytest

from services import jobs
from services.jobs.models import ScheduledJob
from services.jobs.registry import due_job
from tests.plugins.db import table_rows


@pytest.fixture
def calls():
    seen: list[str] = []

    @due_job("test.counting", every=timedelta(hours=1))
    def counting(*, now):
        seen.append("counting")
        return 3

    @due_job("test.broken", every=timedelta(minutes=5))
    def broken(*, now):
        seen.append("broken")
        raise RuntimeError("boom 01017012345")

    return seen  # tests/plugins/registries.py unregisters both after the test


def _ran(outcomes) -> list[str]:
    """Names of this module's jobs that ran (other modules register real jobs)."""
    return sorted(o.name for o in outcomes if o.name.startswith("test."))


def test_due_jobs_run_once_per_interval_and_failures_are_isolated(db, calls, frozen_clock):
    outcomes = {o.name: o for o in jobs.run_due()}

    assert outcomes["test.counting"].ok and outcomes["test.counting"].handled == 3
    assert not outcomes["test.broken"].ok and outcomes["test.broken"].error == "RuntimeError"
    rows = {row.name: row for row in table_rows(ScheduledJob)}
    assert rows["test.broken"].last_outcome == "failed"
    assert rows["test.counting"].last_outcome == "ok"

    calls.clear()
    assert _ran(jobs.run_due()) == []  # nothing due again yet
    frozen_clock.shift(timedelta(minutes=6))
    assert _ran(jobs.run_due()) == ["test.broken"]
    frozen_clock.shift(timedelta(hours=1))
    assert _ran(jobs.run_due()) == ["test.broken", "test.counting"]


def test_a_failing_job_keeps_none_of_its_writes(db, frozen_clock):
    @due_job("test.half-done", every=timedelta(hours=1))
    def half_done(*, now):
        db.session.add(ScheduledJob(name="written-by-failing-job", next_run_at=now))
        db.session.flush()
        raise ValueError("fails after writing")

    jobs.run_due(only="test.half-done")
    assert "written-by-failing-job" not in {row.name for row in table_rows(ScheduledJob)}


def test_run_due_cli_runs_the_same_work_and_reports(cli, calls, frozen_clock):
    result = cli.invoke(args=["jobs", "run-due", "--only", "test.counting"])
    assert result.exit_code == 0, result.output
    assert "test.counting: ok (3)" in result.output
    assert calls == ["counting"]

    again = cli.invoke(args=["jobs", "run-due", "--only", "test.counting"])
    assert "nothing due" in again.output

    failing = cli.invoke(args=["jobs", "run-due", "--only", "test.broken"])
    assert failing.exit_code == 1
    assert "test.broken: FAILED (RuntimeError)" in failing.output

    unknown = cli.invoke(args=["jobs", "run-due", "--only", "no.such.job"])
    assert unknown.exit_code == 2
    assert "no job named" in unknown.output


def test_demo_seed_is_idempotent(cli):
    first = cli.invoke(args=["demo", "seed"])
    second = cli.invoke(args=["demo", "seed"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "demo data ready" in second.output
    assert all(line.endswith(": 0 created") for line in second.output.splitlines()[:-1])
