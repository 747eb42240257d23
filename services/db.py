"""The SQLAlchemy object and the model base shared by every domain."""

from __future__ import annotations

import enum
import time
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, registry

from services import sql_time

# A fixed naming convention keeps constraint names identical on SQLite and PostgreSQL,
# so Alembic can drop and alter them and autogenerate diffs stay empty.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp that is always stored as UTC and always read back timezone-aware.

    SQLite has no timezone type, so values are normalised to UTC on the way in and
    tagged with UTC on the way out; naive datetimes are rejected rather than guessed.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use services.clock.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_class: type[enum.StrEnum], length: int) -> sa.Enum:
    """A column type storing a StrEnum's values (not its names) as plain VARCHAR: no
    database enum type to migrate when a value is added."""
    return sa.Enum(enum_class, native_enum=False, length=length,
                   values_callable=lambda members: [m.value for m in members])


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


db = SQLAlchemy(model_class=Base)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _session_settings(dbapi_connection, connection_record) -> None:
    if type(dbapi_connection).__module__ == "sqlite3":
        _sqlite_pragmas(dbapi_connection)


def plan_each_execution() -> None:
    """Plan this transaction's statements for their parameters every time (PostgreSQL).

    psycopg prepares a statement it has run five times, and PostgreSQL may then keep one
    generic plan for it. For a lookup of hundreds of keys in a table a bulk load is
    growing, a generic plan made while the table was small (a sequential scan) stayed in
    use after it was large: a Bundle's lookup went from milliseconds to seconds. Bulk paths
    call this; ordinary requests keep the cached plans (planning every statement of every
    request cost an audited search 0.4 ms of database CPU).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))


def prefer_index_lookups() -> None:
    """Plan this transaction's statements for data that is in memory or on SSD
    (PostgreSQL's ``random_page_cost`` 1.1, its documentation's advice for SSDs).

    With the default of 4, joining a tertial's 10,000 operations to their cases and
    classifications priced 10,000 probes of the unique indexes above hashing all 300,000
    cases of ten years: the statistics took 340 ms instead of 190 ms (bench/README.md).
    Left to the paths that need it; the server's own setting stays the operators'.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL random_page_cost = 1.1"))


def asynchronous_commit() -> None:
    """Let this transaction's commit return before its WAL is on disk (PostgreSQL's
    ``synchronous_commit`` off, for this transaction only).

    Such a commit is as visible and as atomic as any other, and survives the client's
    death; only a crash of the database server within ~0.6 s (three times
    ``wal_writer_delay``) can undo it. Only for work that a retry redoes: the outbox
    workers' transactions, where whatever a channel's sender wrote (a notice decided by
    ``notify_later``, a paper letter, a console message) commits together with the
    record of its send. Undone, they are undone together and the message is delivered
    again: it may go out twice, never be lost. Waiting for the disk cost a send ~3.5 ms of
    each commit's ~3.7 ms on the benchmark machine (bench/README.md, notifications).
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit = off")


#: How long a SQLite transaction waits for the write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 15_000


def _sqlite_pragmas(dbapi_connection) -> None:
    """Give SQLite real transactions, foreign keys and WAL for concurrent processes."""
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    sql_time.register_sqlite(dbapi_connection)


#: A pooled connection idle at least this long is tested before use; one in use moments
#: ago is trusted. Testing on every checkout (``pool_pre_ping``) cost each request a round
#: trip: a quarter of an audited FHIR search's time. A server restart still fails the
#: requests that were in flight (their connections are then replaced), as it would anyway.
PING_AFTER_IDLE_SECONDS = 10.0


@sa.event.listens_for(sa.pool.Pool, "checkin")
def _note_idle_since(dbapi_connection, connection_record) -> None:
    connection_record.info["idle_since"] = time.monotonic()


@sa.event.listens_for(sa.pool.Pool, "checkout")
def _ping_after_idle(dbapi_connection, connection_record, connection_proxy) -> None:
    idle_since = connection_record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()  # leave no transaction open behind the pool's back
    except Exception as exc:  # whatever the driver raises for a dead connection
        # The pool discards this connection and checks out (or opens) another.
        raise sa.exc.DisconnectionError() from exc


@sa.event.listens_for(sa.engine.Engine, "begin")
def _sqlite_begin(conn: sa.Connection) -> None:
    """Every SQLite transaction takes the write lock when it begins (BEGIN IMMEDIATE).

    Nearly every transaction writes (a read of health data writes its audit row). A deferred
    transaction that has read and then writes cannot wait for the lock: once another writer
    has committed since its read, SQLite answers "database is locked" at once, busy_timeout
    or not. Taken at BEGIN, the lock is waited for (busy_timeout), so concurrent requests
    and processes (web, worker, beat) queue instead of failing. The price, that the few
    transactions which only read queue too, is one an embedded default can pay.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@sa.event.listens_for(sa.engine.Engine, "handle_error")
def _no_values_in_error_details(context: sa.engine.ExceptionContext) -> None:
    """Drop PostgreSQL's DETAIL from the messages of a database error.

    The engine's ``hide_parameters`` keeps the statement's parameters out of an error, but the
    server repeats values itself: "Key (national_id_hash)=(...) already exists", "Failing row
    contains (...)". The detail stays readable where code needs it (``orig.diag``); only the
    text that a log line or a traceback prints loses it.
    """
    diag = getattr(context.original_exception, "diag", None)
    detail = getattr(diag, "message_detail", None)
    if not detail:
        return
    for error in (context.original_exception, context.sqlalchemy_exception):
        if error is not None:
            error.args = tuple(arg.replace(detail, "(hidden)") if isinstance(arg, str) else arg
                               for arg in error.args)
