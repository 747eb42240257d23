"""FHIR bulk ingest and search against PostgreSQL through gunicorn, against bare Flask.

1. Bulk ingest: N Patients as transaction Bundles (conditional creates, 500 entries each),
   posted by two concurrent clients; entries/s against the goal of 2,000.
2. Search: ``Patient?identifier=…`` under 32 connections (wrk), requests/s and p99, and the
   ratio to ``bare_flask.py``'s ``/healthz`` under the same gunicorn settings, same run.

    python bench/fhir_ingest.py --patients 100000        # needs PostgreSQL, Redis and wrk
"""

from __future__ import annotations

import argparse
import concurrent.futures
import shutil
import sys
import time

from fhir_setup import bundle, identifier_search_script, national_ids, post_bundle, scratch_database
from harness import free_port, gunicorn, wrk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--bundle-size", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed for the search benchmark: apt-get install -y wrk")

    port = free_port()
    with (scratch_database(args.admin_url, f"http://127.0.0.1:{port}") as scratch,
          gunicorn("wsgi:app", scratch.env, port=port) as base,
          gunicorn("bare_flask:app", scratch.env) as bare):
        token = scratch.token()
        numbers = national_ids(args.patients)
        bodies = [bundle(numbers[i:i + args.bundle_size])
                  for i in range(0, len(numbers), args.bundle_size)]

        def timed_post(body: bytes) -> tuple[int, float]:
            begun = time.perf_counter()
            status = post_bundle(base, body, token)
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
        scratch.sql("VACUUM ANALYZE")
        lua = identifier_search_script(scratch.instance / "identifiers.lua", numbers)
        token = scratch.token()
        baseline = wrk(f"{bare}/healthz", seconds=args.seconds)
        search = wrk(f"{base}/fhir/R4/Patient", token=token, seconds=args.seconds, lua=lua)

        print(f"ingest: {len(numbers)} Patients in {len(bodies)} transaction Bundles of "
              f"{args.bundle_size}, {args.clients} clients")
        print(f"  {ingest_seconds:.1f} s, {rate:,.0f} entries/s (goal >= 2,000)")
        print(f"  seconds per Bundle: first tenth {first:.2f}, last tenth {last:.2f}")
        print("search Patient?identifier=..., 32 connections:")
        print(f"  baseline bare Flask /healthz: {baseline.rps:,.0f} req/s, "
              f"p99 {baseline.p99_ms:.1f} ms")
        print(f"  FHIR search:       {search.rps:,.0f} req/s, p99 {search.p99_ms:.1f} ms "
              f"(goal >= 500 req/s, p99 <= 100 ms), non-2xx {search.non_2xx}")
        print(f"  ratio search/baseline: {search.rps / baseline.rps:.2f}")


if __name__ == "__main__":
    main()
