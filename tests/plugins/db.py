"""The database: migrated once per session, each test inside a SAVEPOINT rolled back after.

PostgreSQL when ``DATABASE_URL`` says so (CI), a SQLite file otherwise. The app's commits
only release the SAVEPOINT, so every test starts from the migrated, empty schema.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import flask_migrate
import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.engine import make_url
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
    """All rows of ``model`` as the database has them now, in primary-key order (a
    PostgreSQL heap returns an updated row last)."""
    return list(_db.session.scalars(sa.select(model).order_by(
        *model.__table__.primary_key.columns)))


@contextmanager
def statements_run() -> Iterator[list[str]]:
    """The statements run inside, each up to its first parenthesis or ``=CASE`` (where the
    IN lists and CASEs as long as a batch start), without SAVEPOINTs; with PostgreSQL's
    bulk INSERTs (``driver.insert_many``), which go on the cursor unseen by SQLAlchemy."""
    from services import driver

    engine = _db.session.get_bind()
    seen: list[str] = []

    def listener(_connection, _cursor, statement, *_args):
        if not statement.startswith(("SAVEPOINT", "RELEASE")):
            seen.append(statement.split("(")[0].split("=CASE ")[0].split("\n")[0].strip())

    insert_many = driver.insert_many

    def insert_many_seen(connection, table, rows, **kwargs):
        seen.append(f"INSERT INTO {table.name}")
        return insert_many(connection, table, rows, **kwargs)

    sa.event.listen(engine, "before_cursor_execute", listener)
    driver.insert_many = insert_many_seen
    try:
        yield seen
    finally:
        driver.insert_many = insert_many
        sa.event.remove(engine, "before_cursor_execute", listener)


@contextmanager
def scratch_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database beside ``DATABASE_URL``'s, dropped afterwards, for
    tests that need real commits (migrations, concurrent requests). Skips off PostgreSQL."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgres"):
        pytest.skip("DATABASE_URL is not PostgreSQL (CI runs this against PostgreSQL)")
    admin_url = make_url(configured).set(drivername="postgresql+psycopg", database="postgres")
    name = f"minhelse_scratch_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def migrated_postgres_app(make_app, **config) -> Iterator:
    """The app on a migrated :func:`scratch_postgres_database` whose commits are real (for
    races between transactions), its pool closed afterwards. Skips off PostgreSQL."""
    with scratch_postgres_database() as url:
        app = make_app(SQLALCHEMY_DATABASE_URI=url, **config)
        with app.app_context():
            flask_migrate.upgrade()
        try:
            yield app
        finally:
            with app.app_context():
                _db.engine.dispose()
