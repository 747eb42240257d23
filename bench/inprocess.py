"""In-process measurement of one page or endpoint with Flask's test client: the CPU per
request without the profiler, then cProfile's top functions (CPU time: the machine is
shared, so wall time says more about the neighbours than about us)."""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def ok(response) -> None:
    """Stop the benchmark on anything but a 200: a refusal measured is no measurement."""
    if response.status_code != 200:
        raise SystemExit(f"{response.status_code}: {response.get_data(as_text=True)[:500]}")


def cpu_and_profile(client, target: str, requests: int, *, name: str) -> pstats.Stats:
    """Print ``target``'s wall and CPU time per GET, then its profile (:func:`measure`)."""
    return measure(lambda: ok(client.get(target)), requests, name=f"{name} ({target})")


def measure(send: Callable[[], object], requests: int, *, name: str) -> pstats.Stats:
    """Print the wall and CPU time of ``send()`` (one request, checked by the caller),
    then its profile (the project's own functions by cumulative time, all by internal
    time); return the profile (``BENCH_PROFILE_DUMP=path`` also writes it there)."""
    for _ in range(10):
        send()
    block = max(1, requests // 5)
    cpu_ms, wall_ms = [], []
    for _ in range(5):  # the median of five blocks: the neighbours' bursts move one or two
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(block):
            send()
        wall_ms.append(1000 * (time.perf_counter() - started) / block)
        cpu_ms.append(1000 * (time.process_time() - cpu) / block)
    print(f"\n{name}: {statistics.median(wall_ms):.1f} ms wall, "
          f"{statistics.median(cpu_ms):.2f} ms CPU a request (median of 5 blocks of {block}: "
          + " ".join(f"{ms:.2f}" for ms in cpu_ms) + "; without the profiler)")
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        send()
    profiler.disable()
    found = pstats.Stats(profiler)
    if os.environ.get("BENCH_PROFILE_DUMP"):
        found.dump_stats(os.environ["BENCH_PROFILE_DUMP"])
    found.sort_stats("cumulative").print_stats(r"/(citizen|services|templates)/", 40)
    found.sort_stats("tottime").print_stats(25)
    return found


@dataclass(frozen=True)
class Sent:
    """A statement a request sent: through SQLAlchemy (with its parameters, so it can be
    explained) or on the driver's cursor (``services.driver``: no parameters kept)."""

    sql: str
    parameters: Any = None
    on_the_cursor: bool = False


def statements_of(app, send: Callable[[], object]) -> list[Sent]:
    """Every statement ``send()`` (one request) sends, in order, the driver's too."""
    import sqlalchemy as sa

    from services import driver
    from services.db import db

    sent: list[Sent] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        sent.append(Sent(statement, parameters))

    def counted(original):
        def run(connection, statement, rows, *args, **kwargs):
            sent.append(Sent(f"INSERT INTO {statement.name} ({len(rows)} rows)"
                             if isinstance(statement, sa.Table) else str(statement),
                             on_the_cursor=True))
            return original(connection, statement, rows, *args, **kwargs)
        return run

    originals = {name: getattr(driver, name) for name in ("scalar", "rows", "insert_many")}
    with app.app_context():
        for name, original in originals.items():
            setattr(driver, name, counted(original))
        sa.event.listen(db.engine, "before_cursor_execute", keep)
        try:
            send()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", keep)
            for name, original in originals.items():
                setattr(driver, name, original)
    return sent


def print_statements(app, sent: list[Sent], *, title: str,
                     explain: Callable[[str], bool] = lambda _sql: False) -> None:
    """``sent`` a line each, then EXPLAIN ANALYZE of those ``explain`` picks (PostgreSQL;
    rolled back)."""
    from services.db import db

    print(f"\n{len(sent)} statements {title}:")
    for one in sent:
        print(("  on the cursor: " if one.on_the_cursor else "  ")
              + " ".join(one.sql.split())[:150])
    with app.app_context():
        for one in sent:
            if one.on_the_cursor or not explain(one.sql):
                continue
            plan = db.session.connection().exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + one.sql, one.parameters).scalars().all()
            print("\n" + " ".join(one.sql.split()) + "\n" + "\n".join(plan))
        db.session.rollback()
