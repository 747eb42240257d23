"""`make run`'s stack on the embedded default: gunicorn web, Celery worker and beat under
honcho, SQLite and the filesystem broker in a fresh instance folder, no servers needed."""

from __future__ import annotations

import sqlite3

import pytest
import requests

from tests.integration.processes import (
    BIN,
    free_port,
    get_json,
    run_cli,
    running,
    service_env,
    wait_for,
)

pytestmark = pytest.mark.integration


def test_embedded_default_serves_and_beat_reaches_the_worker(tmp_path):
    port = free_port()
    env = service_env(APP_ENV="development", INSTANCE_DIR=str(tmp_path),
                      DUE_WORK_EVERY_SECONDS="2", PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(name, None)
    for step in (["db", "upgrade"], ["demo", "seed"], ["demo", "seed"]):
        done = run_cli(step, env=env)
        assert done.returncode == 0, done.stdout + done.stderr

    log = tmp_path / "stack.log"
    stack = [str(BIN / "honcho"), "start", "--port", str(port), "--procfile", "Procfile"]
    with running(stack, env=env, log=log):
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: get_json(f"{base}/healthz")[0] == 200, timeout=60, what="/healthz",
                 log=log)
        status, body = get_json(f"{base}/readyz")
        assert (status, body) == (200, {"status": "ok"})

        def heartbeat_ran():
            with sqlite3.connect(tmp_path / "minhelse.sqlite") as conn:
                return conn.execute(
                    "SELECT last_outcome FROM scheduled_jobs WHERE name = 'system.heartbeat'"
                ).fetchone() == ("ok",)

        wait_for(heartbeat_ran, timeout=60, what="beat → worker → due job", log=log)

        # The login goes to the built-in identity provider, which offers the demo people.
        browser = requests.Session()
        login = browser.get(f"{base}/auth/login", allow_redirects=False, timeout=10)
        assert login.status_code == 302, login.text
        assert login.headers["Location"].startswith(f"{base}/dev-idp/authorize?")
        picker = browser.get(login.headers["Location"], timeout=10)
        assert picker.status_code == 200 and "Ingrid Berg" in picker.text
