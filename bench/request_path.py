"""What the project's request path costs: two ratios measured in one run.

1. ``/healthz`` of the project against ``bare_flask.py``'s (goal >= 0.8): the cost of the
   per-request hooks (logging, metrics, sessions, headers, i18n, transaction).
2. The audited ``Patient?identifier=`` search against ``search_floor.py``, which does the
   same database work in a minimal Flask + psycopg handler (goal >= 0.6).

All three servers run docker/gunicorn.conf.py (3 workers x 2 threads, access log on); wrk
at 32 connections alternates between baseline and candidate for ``--rounds`` rounds.

    .venv/bin/python bench/request_path.py --patients 5000 --seconds 10 --rounds 3
"""

from __future__ import annotations

import argparse
import shutil
import sys

from fhir_setup import identifier_search_script, load_patients, national_ids, scratch_database
from harness import compare, free_port, gunicorn, report, warmed, wrk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=5_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--only", choices=("healthz", "search"))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")

    port = free_port()
    with scratch_database(args.admin_url, f"http://127.0.0.1:{port}") as scratch:
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
