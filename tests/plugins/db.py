"""The database: migrated once per session, each test inside a SAVEPOINT rolled back after.

PostgreSQL when ``DATABASE_URL`` says so (CI), a SQLite file otherwise. The app's commits
only release the SAVEPOINT, so every test starts from the migrated, empty schema.
"""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from services.db import db as _db


@pytest.fixture(scope="session")
def migrated(app):
    with app.app_context():
        flask_migrate.upgrade()
    yield _db


@pytest.fixture
def db(app, migrated, monkeypatch):
    """The test body runs in an app context that requests made by ``client`` share."""
    with app.app_context():
        yield from _in_savepoint(monkeypatch)


def _in_savepoint(monkeypatch):
    connection = _db.engine.connect()
    outer = connection.begin()
    session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                     expire_on_commit=False),
        scopefunc=_app_ctx_id,
    )
    monkeypatch.setattr(_db, "session", session)
    try:
        yield _db
    finally:
        session.remove()
        outer.rollback()
        connection.close()


def table_rows(model) -> list:
    """All rows of ``model`` as the database has them now."""
    return list(_db.session.scalars(sa.select(model)))
