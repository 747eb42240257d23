"""The Twilio stub as a process of its own (the worker-kill test and the benchmark use it)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.plugins.twilio import ACCOUNT_SID

ROOT = Path(__file__).resolve().parents[3]
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


@pytest.fixture
def stub_process():
    process = subprocess.Popen([sys.executable, "-m", "tests.standins.twilio", "--port", "0"],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        yield process, line.split()[-1]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        process.stdout.close()


def _send(url: str, body: str) -> requests.Response:
    return requests.post(url + MESSAGES, auth=(ACCOUNT_SID, "token"), timeout=5,
                         data={"To": "+4791234567", "From": "+4759440000", "Body": body})


def test_it_counts_accepted_messages_per_body_and_takes_faults(stub_process):
    _process, url = stub_process
    assert _send(url, "a").status_code == 201
    assert _send(url, "a").status_code == 201
    assert _send(url, "b").json()["status"] == "queued"

    faults = [{"kind": "rate_limited", "retry_after": "3"}, {"kind": "refused", "code": 21610}]
    assert requests.post(url + "/_stub/faults", json=faults, timeout=5).status_code == 204
    limited = _send(url, "c")
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")
    refused = _send(url, "c")
    assert (refused.status_code, refused.json()["code"]) == (400, 21610)
    assert _send(url, "c").status_code == 201

    counts = requests.get(url + "/_stub/counts", timeout=5).json()
    assert counts == {"total": 6, "by_body": {"a": 2, "b": 1, "c": 1},
                      "by_status": {"201": 4, "429": 1, "400": 1}}
    assert requests.post(url + "/_stub/reset", timeout=5).status_code == 204
    assert requests.get(url + "/_stub/counts", timeout=5).json()["total"] == 0


def test_it_stops_on_sigterm(stub_process):
    process, _url = stub_process
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


def test_it_refuses_to_listen_beyond_loopback():
    everywhere = "0.0.0.0"  # noqa: S104 - what the stub must refuse
    result = subprocess.run([sys.executable, "-m", "tests.standins.twilio", "--host", everywhere],
                            cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "loopback only" in result.stderr


def test_it_starts_where_an_event_loop_is_running_already():
    """Playwright's sync API leaves one running in the test process."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from tests.standins.twilio import TwilioStub

    async def inside_a_loop() -> int:
        with TwilioStub() as stub:
            return _send(stub.url, "a").status_code  # blocking is fine here

    # A thread of its own: this one may have a loop running already (then so much the better).
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, inside_a_loop()).result(timeout=30) == 201
