"""FHIR benchmarks against PostgreSQL through gunicorn, each with a same-run baseline.

1. Bulk ingest: N Patients as transaction Bundles (conditional creates, 500 entries each),
   posted by two concurrent clients; entries/s against the goal of 2,000.
2. Search: ``Patient?identifier=…`` under 32 connections (wrk), requests/s and p99; baseline
   ``/healthz`` (a bare Flask endpoint) on the same server in the same run.

    python bench/fhir_ingest.py --patients 100000        # needs PostgreSQL, Redis and wrk
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FNR = "urn:oid:2.16.578.1.12.4.1.4.1"
sys.path.insert(0, str(ROOT))


def national_ids(count: int) -> list[str]:
    from services.people.identity import generate_national_id

    numbers: list[str] = []
    day = date(1940, 1, 1)
    while len(numbers) < count:
        for index in range(min(100, count - len(numbers))):
            numbers.append(generate_national_id(day, index))
        day += timedelta(days=1)
    return numbers


def bundle(numbers: list[str]) -> bytes:
    entries = [{
        "resource": {"resourceType": "Patient",
                     "identifier": [{"system": FNR, "value": n}],
                     "name": [{"use": "official", "family": "Bench", "given": ["Test"]}]},
        "request": {"method": "POST", "url": "Patient", "ifNoneExist": f"identifier={FNR}|{n}"},
    } for n in numbers]
    return json.dumps({"resourceType": "Bundle", "type": "transaction",
                       "entry": entries}).encode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url: str, body: bytes, token: str) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/fhir+json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 - loopback
        return response.status


def wrk(url: str, *, token: str, seconds: int, lua: Path | None = None) -> dict[str, float]:
    args = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency",
            "-H", f"Authorization: Bearer {token}"]
    if lua:
        args += ["-s", str(lua)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale,
            "non_2xx": int(errors.group(1)) if errors else 0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--bundle-size", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed for the search benchmark: apt-get install -y wrk")

    import sqlalchemy as sa

    name = f"minhelse_bench_{os.getpid()}"
    admin = sa.create_engine(args.admin_url.replace("postgresql://", "postgresql+psycopg://"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    instance = Path(tempfile.mkdtemp(prefix="minhelse-bench-"))
    env = {**os.environ, "DATABASE_URL": args.admin_url.rsplit("/", 1)[0] + f"/{name}",
           "INSTANCE_DIR": str(instance), "LOG_LEVEL": "WARNING", "GUNICORN_ACCESS_LOG": "0",
           "WEB_CONCURRENCY": str(args.workers), "PROMETHEUS_MULTIPROC_DIR": str(instance),
           # Spread wrk's 32 keep-alive connections over every worker (gunicorn.conf.py).
           "GUNICORN_WORKER_CONNECTIONS": str(-(-32 // args.workers) + 1)}
    port = free_port()
    env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    server = None
    try:
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        def fresh_token() -> str:  # access tokens live five minutes
            return subprocess.run([sys.executable, "-c", MINT_SCRIPT], cwd=ROOT, env=env,
                                  check=True, capture_output=True, text=True).stdout.strip()

        token = fresh_token()
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "docker/gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)

        numbers = national_ids(args.patients)
        chunks = [numbers[i:i + args.bundle_size]
                  for i in range(0, len(numbers), args.bundle_size)]
        bodies = [bundle(chunk) for chunk in chunks]

        def timed_post(body: bytes) -> tuple[int, float]:
            begun = time.perf_counter()
            status = post(f"{base}/fhir/R4", body, token)
            return status, time.perf_counter() - begun

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
            timings = list(pool.map(timed_post, bodies))
        ingest_seconds = time.perf_counter() - started
        statuses = [status for status, _ in timings]
        tenth = max(1, len(timings) // 10)
        first, last = (sum(t for _, t in part) / len(part)
                       for part in (timings[:tenth], timings[-tenth:]))
        assert set(statuses) == {200}, statuses
        rate = len(numbers) / ingest_seconds

        # What autovacuum does shortly after a bulk load; searching with the statistics of
        # an empty table would measure the planner's ignorance, not the service.
        bench_db = sa.create_engine(env["DATABASE_URL"].replace("postgresql://",
                                                                "postgresql+psycopg://"),
                                    isolation_level="AUTOCOMMIT")
        with bench_db.connect() as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        bench_db.dispose()

        lua = instance / "identifiers.lua"
        sample = numbers[:: max(1, len(numbers) // 1000)]
        lua.write_text(
            "local ids = {" + ",".join(f'"{n}"' for n in sample) + "}\n"
            "request = function()\n"
            f'  return wrk.format("GET", "/fhir/R4/Patient?identifier={FNR}|" '
            "  .. ids[math.random(#ids)])\nend\n")
        token = fresh_token()
        baseline = wrk(f"{base}/healthz", token=token, seconds=args.seconds)
        search = wrk(f"{base}/fhir/R4/Patient", token=token, seconds=args.seconds, lua=lua)

        print(f"ingest: {len(numbers)} Patients in {len(bodies)} transaction Bundles of "
              f"{args.bundle_size}, {args.clients} clients, {args.workers} gunicorn workers")
        print(f"  {ingest_seconds:.1f} s, {rate:,.0f} entries/s (goal >= 2,000)")
        print(f"  seconds per Bundle: first tenth {first:.2f}, last tenth {last:.2f}")
        print("search Patient?identifier=..., 32 connections:")
        print(f"  baseline /healthz: {baseline['rps']:,.0f} req/s, p99 {baseline['p99_ms']:.1f} ms")
        print(f"  FHIR search:       {search['rps']:,.0f} req/s, p99 {search['p99_ms']:.1f} ms "
              f"(goal >= 500 req/s, p99 <= 100 ms), non-2xx {search['non_2xx']}")
        print(f"  ratio search/baseline: {search['rps'] / baseline['rps']:.2f}")
    finally:
        if server and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(instance, ignore_errors=True)


MINT_SCRIPT = """
from citizen.app import create_app
from citizen.oauth import keys
from services.clients import tokens
from services.clients.service import create_client
from services.clock import utcnow
from services.db import db
app = create_app()
with app.app_context():
    client, _ = create_client(name="bench", scopes="system/Patient.crus",
                              auth_method="client_secret_basic")
    db.session.commit()
    issued = tokens.issue_access_token(key=keys.signing_key(), issuer=keys.issuer(),
        audience=keys.api_audience(), client_id=client.client_id,
        scope="system/Patient.crus", now=utcnow())
    print(issued.token)
"""

if __name__ == "__main__":
    main()
