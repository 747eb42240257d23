"""What the project's request path costs: two ratios measured in one run.

1. ``/healthz`` of the project against ``bare_flask.py``'s (goal >= 0.8): the cost of the
   per-request hooks (logging, metrics, sessions, headers, i18n, transaction).
2. The audited ``Patient?identifier=`` search against ``search_floor.py``, which does the
   same database work in a minimal Flask + psycopg handler (goal >= 0.6).

All three servers run docker/gunicorn.conf.py (3 workers x 2 threads, access log on); wrk
at 32 connections alternates between baseline and candidate for ``--rounds`` rounds.

    .venv/bin/python bench/request_path.py --patients 5000 --seconds 10 --rounds 3
    .venv/bin/python bench/request_path.py --patients 2000 --profile 2000  # in-process
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys

from fhir_setup import (
    FNR,
    bundle,
    identifier_search_script,
    load_patients,
    national_ids,
    scratch_database,
)
from harness import compare, free_port, gunicorn, report, warmed, wrk
from inprocess import measure, ok, print_statements, statements_of


def profile(scratch, numbers: list[str], requests: int, only: str | None) -> None:
    """In-process, baseline then candidate: CPU per request without the profiler, then
    cProfile's top functions; and the statements one search sends."""
    os.environ.update({**scratch.env, "FLOOR_DATABASE_URL": scratch.database_url})
    import bare_flask
    import search_floor

    from citizen.app import create_app

    app = create_app()
    ours = app.test_client()
    token = scratch.token()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"}
    for start in range(0, len(numbers), 500):
        ok(ours.post("/fhir/R4", data=bundle(numbers[start:start + 500]), headers=headers))
    scratch.sql("VACUUM ANALYZE")
    picked = random.Random(7)

    def search(client, **options):
        def send():
            ok(client.get("/fhir/R4/Patient", query_string={
                "identifier": f"{FNR}|{picked.choice(numbers)}"}, **options))
        return send

    if only in (None, "healthz"):
        bare = bare_flask.app.test_client()
        measure(lambda: ok(bare.get("/healthz")), requests, name="bare Flask /healthz")
        measure(lambda: ok(ours.get("/healthz")), requests, name="project /healthz")
    if only in (None, "search"):
        auth = {"headers": {"Authorization": f"Bearer {token}"}}
        measure(search(search_floor.app.test_client()), requests, name="floor search")
        measure(search(ours, **auth), requests, name="project search")
        print_statements(app, statements_of(app, search(ours, **auth)), title="for a search")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=5_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--only", choices=("healthz", "search"))
    parser.add_argument("--profile", type=int, metavar="REQUESTS", nargs="?", const=2000,
                        help="measure and profile in-process instead of with wrk")
    args = parser.parse_args()
    if not args.profile and not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")

    port = free_port()
    with scratch_database(args.admin_url, f"http://127.0.0.1:{port}") as scratch:
        if args.profile:
            profile(scratch, national_ids(args.patients), args.profile, args.only)
            return
        env = {**scratch.env, "FLOOR_DATABASE_URL": scratch.database_url}
        with (gunicorn("wsgi:app", env, port=port) as ours,
              gunicorn("bare_flask:app", env) as bare,
              gunicorn("search_floor:app", env) as floor):
            numbers = national_ids(args.patients)
            load_patients(scratch, ours, numbers)
            lua = identifier_search_script(scratch.instance / "identifiers.lua", numbers)

            def run(url: str, **options):
                return warmed(url, seconds=args.seconds, **options)

            if args.only in (None, "healthz"):
                healthz = compare(run(f"{bare}/healthz"), run(f"{ours}/healthz"),
                                  rounds=args.rounds)
                report("/healthz", "bare Flask", "project", healthz, goal=0.8)
            if args.only in (None, "search"):
                token = scratch.token()
                search = compare(run(f"{floor}/fhir/R4/Patient", lua=lua),
                                 run(f"{ours}/fhir/R4/Patient", lua=lua, token=token),
                                 rounds=args.rounds)
                report(f"Patient?identifier= ({args.patients:,} Patients, audited)",
                       "Flask+psycopg floor", "project", search, goal=0.6)
                print(f"  (bare Flask /healthz for scale: "
                      f"{wrk(f'{bare}/healthz', seconds=args.seconds).rps:,.0f} req/s)")


if __name__ == "__main__":
    main()
