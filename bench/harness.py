"""What every benchmark shares: gunicorn with the project's settings, wrk, and the baseline.

    with gunicorn("bare_flask:app", env) as bare, gunicorn("wsgi:app", env) as ours:
        pair = compare(lambda: wrk(f"{bare}/healthz"), lambda: wrk(f"{ours}/healthz"))

Servers run ``docker/gunicorn.conf.py`` as production does (3 workers x 2 threads, access
log on), whatever the app. The baseline of later benchmarks is ``bare_flask.py`` under the
same settings, measured in the same run: absolute figures move 2x between machines and with
whatever else the machine is doing; the ratio to the baseline moves much less.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
CONNECTIONS = 32
#: The project's gunicorn settings (the defaults of docker/gunicorn.conf.py on 2 cores).
GUNICORN_ENV = {"WEB_CONCURRENCY": "3", "GUNICORN_THREADS": "2", "GUNICORN_ACCESS_LOG": "1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], *, ready_path: str = "/healthz",
             port: int | None = None) -> Iterator[str]:
    """Serve ``app`` (``module:attribute``, from the project root or bench/) with the
    project's gunicorn configuration; yield its base URL, stop it on exit."""
    port = port or free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "docker/gunicorn.conf.py", "--pythonpath",
         str(BENCH), "--bind", f"127.0.0.1:{port}", app],
        cwd=ROOT, env={**os.environ, **env, **GUNICORN_ENV},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base + ready_path, server)
        yield base
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def _wait_until_ready(url: str, server: subprocess.Popen) -> None:
    for _ in range(150):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode} before {url} answered")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback
            return
        except urllib.error.HTTPError:
            return  # it answers; the status is the benchmark's business
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


@dataclass(frozen=True)
class Run:
    rps: float
    p99_ms: float
    non_2xx: int
    #: Requests wrk gave up on (after its timeout, 2 s unless told): not in the latencies.
    timeouts: int = 0


def require_wrk() -> None:
    """Stop with how to install wrk when it is missing."""
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")


def wrk(url: str, *, seconds: int, token: str | None = None, lua: Path | None = None,
        timeout: str | None = None, connections: int = CONNECTIONS) -> Run:
    """Load ``url`` with wrk at 32 connections (or ``connections``) for ``seconds``;
    requests/s and p99.
    ``timeout`` (``"10s"``): how long wrk waits for an answer, for pages slower than its
    2 s under load (a p99 near 2 s with timeouts is wrk's limit, not the page's)."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if timeout:
        args += ["--timeout", timeout]
    if token:
        args += ["-H", f"Authorization: Bearer {token}"]
    if lua:
        args += ["-s", str(lua)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def warmed(url: str, *, seconds: int, **options) -> Callable[[], Run]:
    """A measurement of ``url`` for :func:`compare`, after a 2 s warm-up run now (lazy
    imports, connection pools, query plans, the limiter's store)."""
    wrk(url, seconds=2, **options)
    return lambda: wrk(url, seconds=seconds, **options)


def cookie_script(path: Path, tokens: list[str], target: str) -> Path:
    """A wrk script requesting ``target`` with the session cookie of a random one of
    ``tokens``."""
    from citizen.auth.cookies import NAME

    path.write_text(
        "local tokens = {" + ",".join(f'"{t}"' for t in tokens) + "}\n"
        "request = function()\n"
        f'  return wrk.format("GET", "{target}", '
        f'{{["Cookie"] = "{NAME}=" .. tokens[math.random(#tokens)]}})\nend\n')
    return path


def parse_wrk(out: str) -> Run:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"Socket errors: .*timeout (\d+)", out)
    return Run(rps=rps, p99_ms=float(p99.group(1)) * scale,
               non_2xx=int(errors.group(1)) if errors else 0,
               timeouts=int(timeouts.group(1)) if timeouts else 0)


@dataclass(frozen=True)
class Pair:
    """Alternating runs of a baseline and a candidate, and their ratios run by run."""

    baseline: list[Run]
    candidate: list[Run]

    @property
    def ratios(self) -> list[float]:
        return [c.rps / b.rps for b, c in zip(self.baseline, self.candidate, strict=True)]


def compare(baseline: Callable[[], Run], candidate: Callable[[], Run], *, rounds: int) -> Pair:
    """Run baseline and candidate alternately, so that both see the same machine."""
    pair = Pair([], [])
    for _ in range(rounds):
        pair.baseline.append(baseline())
        pair.candidate.append(candidate())
    return pair


def report(title: str, baseline_name: str, candidate_name: str, pair: Pair,
           goal: float | None = None, connections: int = CONNECTIONS) -> None:
    print(f"{title}, {connections} connections, {len(pair.ratios)} alternating rounds:")
    for name, runs in ((baseline_name, pair.baseline), (candidate_name, pair.candidate)):
        rates = ", ".join(f"{r.rps:,.0f}" for r in runs)
        p99s = ", ".join(f"{r.p99_ms:.1f}" for r in runs)
        errors = sum(r.non_2xx for r in runs)
        timeouts = sum(r.timeouts for r in runs)
        print(f"  {name:<22} req/s {rates}  p99 ms {p99s}  non-2xx {errors}"
              + (f"  timeouts {timeouts}" if timeouts else ""))
    ratios = pair.ratios
    met = goal is not None and statistics.median(ratios) >= goal
    verdict = "" if goal is None else f" (goal >= {goal:.2f}: {'met' if met else 'NOT met'})"
    print(f"  ratio {candidate_name}/{baseline_name}: median {statistics.median(ratios):.2f}, "
          f"range {min(ratios):.2f}-{max(ratios):.2f}{verdict}")


def print_cpu_profile(request: Callable[[], object], *, requests: int, callees: str) -> None:
    """cProfile of ``requests`` calls of ``request`` on CPU time (the machine is shared):
    the project's functions by cumulative time, everything by own time, and what the
    functions matching ``callees`` call."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        request()
    profiler.disable()
    found = pstats.Stats(profiler)
    found.sort_stats("cumulative").print_stats(r"/(citizen|services|templates)/", 40)
    found.sort_stats("tottime").print_stats(25)
    found.sort_stats("cumulative").print_callees(callees)
