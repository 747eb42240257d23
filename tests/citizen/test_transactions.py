"""The request owns the transaction: kept on success, undone on an error status, and a
request that never touches the database pays nothing for it."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.clock import utcnow
from services.jobs.models import ScheduledJob
from tests.plugins.db import table_rows


@pytest.fixture
def probe_app(make_app, db):
    app = make_app()

    @app.get("/probe-write/<int:status>")
    def probe_write(status):
        db.session.add(ScheduledJob(name=f"probe-{status}", next_run_at=utcnow()))
        db.session.flush()
        return "", status

    return app


@pytest.mark.parametrize("status", [200, 201, 302, 399])
def test_a_successful_request_keeps_what_it_wrote(probe_app, status):
    assert probe_app.test_client().get(f"/probe-write/{status}").status_code == status
    assert [job.name for job in table_rows(ScheduledJob)] == [f"probe-{status}"]


@pytest.mark.parametrize("status", [400, 404, 422, 500])
def test_an_error_status_undoes_what_the_request_wrote(probe_app, status):
    assert probe_app.test_client().get(f"/probe-write/{status}").status_code == status
    assert table_rows(ScheduledJob) == []


def test_a_request_that_never_uses_the_database_begins_no_transaction(make_app):
    app = make_app()
    begun = []

    def count(session, transaction):
        begun.append(transaction)

    sa.event.listen(Session, "after_transaction_create", count)
    try:
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        sa.event.remove(Session, "after_transaction_create", count)
    assert begun == []
