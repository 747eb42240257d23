"""Start the service's real processes (worker, gunicorn, the whole `make run` stack) and
the servers around them (a Redis of the test's own, the Twilio stub)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(overrides)
    return env


@contextmanager
def running(args: list[str], *, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """Run ``args`` in its own process group; stop the whole group afterwards."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def wait_for(check: Callable[[], object], *, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as exc:  # not up yet
            last_error = exc
        time.sleep(0.25)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what} ({last_error!r})\n{tail}")


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def post_json(url: str, payload: object) -> int:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(),  # noqa: S310
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback only
        return response.status


def run_cli(args: list[str], *, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def worker_command(*, concurrency: int) -> list[str]:
    """A Celery worker on both queues, as the Procfile starts it."""
    return [str(BIN / "celery"), "--app", "wsgi:celery", "worker", "--queues",
            "default,notifications", "--concurrency", str(concurrency), "--loglevel", "INFO",
            "--without-mingle", "--without-gossip"]


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL ``proc``'s whole process group (a worker and its pool processes) at once."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=20)


def warm_stop(proc: subprocess.Popen) -> None:
    """SIGTERM to a worker's main process only: Celery's warm shutdown lets the pool finish
    the tasks it holds (a SIGTERM to the whole group would end them mid-task)."""
    proc.terminate()
    proc.wait(timeout=60)


class RedisServer:
    """A redis-server of the test's own on a free loopback port, stopped and started at
    will (nothing persisted). Not running until ``start()``."""

    def __init__(self, *, log: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._log = log
        self._proc: subprocess.Popen | None = None

    def start(self) -> None:
        with self._log.open("ab") as out:
            self._proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self._answers, timeout=20, what=f"redis-server on {self.port}", log=self._log)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(timeout=20)
        self._proc = None

    def _answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def __enter__(self) -> RedisServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def twilio_stub_process(*, log: Path, keep_requests: bool = True) -> Iterator[str]:
    """``python -m tests.standins.twilio`` on a free port; yield its base URL."""
    port = free_port()
    args = [sys.executable, "-m", "tests.standins.twilio", "--port", str(port)]
    if not keep_requests:
        args.append("--no-keep-requests")
    with running(args, env=service_env(), log=log):
        wait_for(lambda: "listening on" in log.read_text(), timeout=20,
                 what="the Twilio stub", log=log)
        yield f"http://127.0.0.1:{port}"
