"""Pooled connections: one idle a while is tested before use, one used moments ago is not."""

import time

import pytest
import sqlalchemy as sa

from services.db import PING_AFTER_IDLE_SECONDS


@pytest.fixture
def engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'pool.sqlite'}", pool_size=1,
                              poolclass=sa.pool.QueuePool)
    yield engine
    engine.dispose()


def _kill_pooled_connection(engine) -> None:
    with engine.connect() as conn:
        dead = conn.connection.dbapi_connection
    dead.close()  # behind the pool's back, as a server restart would


def _clock_moves(monkeypatch, seconds: float) -> None:
    now = time.monotonic() + seconds
    monkeypatch.setattr(time, "monotonic", lambda: now)


def test_a_dead_connection_idle_long_enough_is_replaced_before_use(engine, monkeypatch):
    _kill_pooled_connection(engine)
    _clock_moves(monkeypatch, PING_AFTER_IDLE_SECONDS)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT 42").scalar() == 42


def test_a_connection_used_moments_ago_is_trusted_without_a_round_trip(engine, monkeypatch):
    _kill_pooled_connection(engine)
    _clock_moves(monkeypatch, PING_AFTER_IDLE_SECONDS - 0.5)
    with engine.connect() as conn, pytest.raises(sa.exc.ProgrammingError):
        conn.exec_driver_sql("SELECT 42")
