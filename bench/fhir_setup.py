"""A scratch PostgreSQL database for FHIR benchmarks, tokens for it, and Patients to load."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from harness import BIN, ROOT

FNR = "urn:oid:2.16.578.1.12.4.1.4.1"
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Scratch:
    env: dict[str, str]
    instance: Path
    database_url: str

    def token(self) -> str:
        """A fresh access token with ``system/Patient.crus`` (they live five minutes)."""
        return subprocess.run([sys.executable, "-c", _MINT], cwd=ROOT, env=self.env,
                              check=True, capture_output=True, text=True).stdout.strip()

    def sql(self, statement: str) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(_driver(self.database_url), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
        engine.dispose()


@contextlib.contextmanager
def scratch_database(admin_url: str, public_base_url: str) -> Iterator[Scratch]:
    """A new, migrated database and instance folder; both dropped on exit."""
    import sqlalchemy as sa

    name = f"minhelse_bench_{os.getpid()}"
    admin = sa.create_engine(_driver(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    instance = Path(tempfile.mkdtemp(prefix="minhelse-bench-"))
    database_url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_DIR": str(instance),
           "PROMETHEUS_MULTIPROC_DIR": str(instance), "PUBLIC_BASE_URL": public_base_url,
           # Shared with search_floor.py, which must find the same people.
           "IDENTITY_HASH_KEY": secrets.token_hex(32),
           # The limit is still checked on every request (its cost is measured), but the
           # floor has none: at the default 100/second per worker's store, a faster search
           # would be measured at the limit, answering 429s.
           "FHIR_RATE_LIMIT": "100000/second",
           # Production's store (it refuses memory://): one Redis round trip per request.
           # memory:// starts a timer thread on most requests, which production never pays.
           "RATELIMIT_STORAGE_URI": os.environ.get("BENCH_RATELIMIT_STORAGE_URI",
                                                   "redis://127.0.0.1:6379/10")}
    try:
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        yield Scratch(env=env, instance=instance, database_url=database_url)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
        shutil.rmtree(instance, ignore_errors=True)


def _driver(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://")


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
    """A transaction Bundle of conditional Patient creates (the idempotent-ingest shape)."""
    entries = [{
        "resource": {"resourceType": "Patient",
                     "identifier": [{"system": FNR, "value": n}],
                     "name": [{"use": "official", "family": "Bench", "given": ["Test"]}]},
        "request": {"method": "POST", "url": "Patient", "ifNoneExist": f"identifier={FNR}|{n}"},
    } for n in numbers]
    return json.dumps({"resourceType": "Bundle", "type": "transaction",
                       "entry": entries}).encode()


def post_bundle(base: str, body: bytes, token: str) -> int:
    request = urllib.request.Request(f"{base}/fhir/R4", data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/fhir+json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 - loopback
        return response.status


def load_patients(scratch: Scratch, base: str, numbers: list[str]) -> None:
    """Ingest ``numbers`` as Patients (500-entry transactions, two at a time), then
    ``VACUUM ANALYZE`` so searches see the planner statistics of a loaded table."""
    import concurrent.futures

    token = scratch.token()
    chunks = [numbers[i:i + 500] for i in range(0, len(numbers), 500)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        statuses = set(pool.map(lambda chunk: post_bundle(base, bundle(chunk), token), chunks))
    assert statuses == {200}, statuses
    scratch.sql("VACUUM ANALYZE")


def identifier_search_script(path: Path, numbers: list[str]) -> Path:
    """A wrk script searching ``Patient?identifier=`` for a random one of ``numbers``."""
    sample = numbers[:: max(1, len(numbers) // 1000)]
    path.write_text(
        "local ids = {" + ",".join(f'"{n}"' for n in sample) + "}\n"
        "request = function()\n"
        f'  return wrk.format("GET", "/fhir/R4/Patient?identifier={FNR}|" '
        "  .. ids[math.random(#ids)])\nend\n")
    return path


_MINT = """
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
