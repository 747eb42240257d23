"""In-process measurement of one page or endpoint with Flask's test client: the CPU per
request without the profiler, then cProfile's top functions (CPU time: the machine is
shared, so wall time says more about the neighbours than about us)."""

from __future__ import annotations

import cProfile
import os
import pstats
import time


def ok(response) -> None:
    """Stop the benchmark on anything but a 200: a refusal measured is no measurement."""
    if response.status_code != 200:
        raise SystemExit(f"{response.status_code}: {response.get_data(as_text=True)[:500]}")


def cpu_and_profile(client, target: str, requests: int, *, name: str) -> pstats.Stats:
    """Print ``target``'s wall and CPU time per request, then its profile (the project's
    own functions by cumulative time, all by internal time); return the profile
    (``BENCH_PROFILE_DUMP=path`` also writes it there, for pstats)."""
    for _ in range(5):
        ok(client.get(target))
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(requests):
        ok(client.get(target))
    print(f"\n{name} ({target}): {1000 * (time.perf_counter() - started) / requests:.1f} "
          f"ms wall, {1000 * (time.process_time() - cpu) / requests:.1f} ms CPU a request "
          "(without the profiler)")
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        ok(client.get(target))
    profiler.disable()
    found = pstats.Stats(profiler)
    if os.environ.get("BENCH_PROFILE_DUMP"):
        found.dump_stats(os.environ["BENCH_PROFILE_DUMP"])
    found.sort_stats("cumulative").print_stats(r"/(citizen|services|templates)/", 40)
    found.sort_stats("tottime").print_stats(25)
    return found
