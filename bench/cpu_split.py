"""Where a request's CPU goes under load: the server's processes, PostgreSQL's, wrk's.

For the audited ``Patient?identifier=`` search of the project and of ``search_floor.py``,
run wrk for ``--seconds`` and divide the CPU time each group of processes used by the
requests served. On a 2-core machine everything competes for the same cores, so a
millisecond of PostgreSQL CPU costs the server as much as one of its own.

    .venv/bin/python bench/cpu_split.py --patients 2000 --seconds 8
"""

from __future__ import annotations

import argparse
import os
import subprocess

from fhir_setup import identifier_search_script, load_patients, national_ids, scratch_database
from harness import free_port, gunicorn, wrk

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


def pids_of(pattern: str) -> list[int]:
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def with_cpu(measure, *, seconds: int, database: str):
    """``measure`` that also notes the CPU per request of the project's gunicorn processes
    and of the scratch database's PostgreSQL backends (``cpu_split.py``), run by run."""
    splits: list[tuple[float, float]] = []

    def run():
        groups = (pids_of("gunicorn.*wsgi.app"), pids_of(f"postgres: .* {database} "))
        before = [cpu_seconds(pids) for pids in groups]
        result = measure()
        served = max(1.0, result.rps * seconds)
        splits.append(tuple(1e3 * (cpu_seconds(pids) - start) / served
                            for pids, start in zip(groups, before, strict=True)))
        return result

    return run, splits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=2_000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    port = free_port()
    with scratch_database(args.admin_url, f"http://127.0.0.1:{port}") as scratch:
        env = {**scratch.env, "FLOOR_DATABASE_URL": scratch.database_url}
        database = scratch.database_url.rsplit("/", 1)[1]
        with (gunicorn("wsgi:app", env, port=port) as ours,
              gunicorn("search_floor:app", env) as floor):
            numbers = national_ids(args.patients)
            load_patients(scratch, ours, numbers)
            token = scratch.token()
            lua = identifier_search_script(scratch.instance / "identifiers.lua", numbers)
            for name, base, app, options in (
                    ("floor", floor, "search_floor:app", {}),
                    ("project", ours, "wsgi:app", {"token": token})):
                url = f"{base}/fhir/R4/Patient"
                wrk(url, seconds=2, lua=lua, **options)
                groups = {"server": pids_of(f"gunicorn.*{app.replace(':', '.')}"),
                          "postgres": pids_of(f"postgres: .* {database} ")}
                before = {g: cpu_seconds(p) for g, p in groups.items()}
                run = wrk(url, seconds=args.seconds, lua=lua, **options)
                served = run.rps * args.seconds
                split = ", ".join(f"{g} {1e3 * (cpu_seconds(p) - before[g]) / served:.2f} ms"
                                  for g, p in groups.items())
                print(f"{name:8} {run.rps:7,.0f} req/s  CPU per request: {split}")


if __name__ == "__main__":
    main()
