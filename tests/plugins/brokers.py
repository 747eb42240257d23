"""Redis for the real-worker tests: a database of its own on the shared server."""

from __future__ import annotations

import os

import pytest

#: A Redis database of its own, so the tests' queues never meet anyone else's.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture
def redis_broker():
    """``REDIS_URL``, emptied before and after the test."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not running at {REDIS_URL}: {exc} (.ci/run starts it)")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()
