"""Notifications: SMS through the whole pipeline against the same POSTs sent directly, and
Twilio's status callbacks through gunicorn against bare Flask, in one run.

1. **Pipeline** (goal: ratio >= 0.5, peak RSS <= 200 MB per worker process): N SMS queued
   in this process (``outbox.enqueue`` in transactions of ``--batch``, published after
   each commit) on a scratch PostgreSQL database, through Redis to a Celery worker with
   ``--concurrency`` pool processes (claim, the ``sms`` channel, the Twilio transport,
   the first status stored), to the Twilio stub on loopback; messages/s from the first
   enqueue to the last row marked sent. Baseline: the same POSTs (form, auth, keep-alive)
   sent straight to the stub from one process with as many threads as there are pool
   processes, before and after the pipeline.
2. **Status callbacks** (goal: ratio >= 0.4): ``POST /webhooks/twilio/status``, signed with
   the auth token over ``PUBLIC_BASE_URL`` (bodies and signatures precomputed into a wrk
   script: the pipeline's SIDs, each ``sent`` then ``delivered``, then round again, when
   every UPDATE finds nothing to move), through gunicorn with the project's settings at
   32 connections, against ``bare_flask.py``'s ``/healthz``, alternating for ``--rounds``.

    .venv/bin/python bench/notifications.py                       # 20,000 SMS, 10 s x 3
    .venv/bin/python bench/notifications.py --messages 2000 --seconds 5 --rounds 1
    .venv/bin/python bench/notifications.py --profile                 # a worker, in-process
    .venv/bin/python bench/notifications.py --profile 2000 --only callbacks   # callbacks

Needs PostgreSQL, Redis (``--broker-url``: a database the benchmark empties first) and
wrk. The stub runs as ``python -m tests.standins.twilio --no-keep-requests``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

from cpu_split import cpu_seconds, pids_of, serving, with_cpu
from fhir_setup import scratch_database
from harness import BIN, ROOT, compare, free_port, gunicorn, report, warmed

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"  # noqa: S105 - the stub's, loopback only
FROM = "+4759440000"
#: What every message of the run says (the stub counts per body: one key, cheap to poll).
BODY = "Du har fått en ny melding fra St. Olavs hospital. Logg inn på helsenorge.no for å lese den."
STATUS_PATH = "/webhooks/twilio/status"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=2,
                        help="worker pool processes, and the direct sender's threads")
    parser.add_argument("--batch", type=int, default=1_000,
                        help="messages per enqueueing transaction")
    parser.add_argument("--callbacks", type=int, default=2_000,
                        help="distinct SIDs in the status-callback script")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--only", choices=("pipeline", "callbacks"))
    parser.add_argument("--profile", type=int, metavar="N", nargs="?", const=1_000,
                        help="profile in-process instead: a worker's delivery of N messages, "
                             "or with --only callbacks N status callbacks (no wrk)")
    args = parser.parse_args()
    if not args.profile and args.only != "pipeline" and not shutil.which("wrk"):
        sys.exit("wrk is needed for the status callbacks: apt-get install -y wrk")

    port = free_port()
    with (scratch_database(args.admin_url, f"http://127.0.0.1:{port}") as scratch,
          twilio_stub(scratch.instance / "stub.log") as stub):
        env = {**scratch.env, "CELERY_BROKER_URL": args.broker_url,
               "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
               "TWILIO_FROM": FROM, "TWILIO_API_BASE_URL": stub}
        os.environ.update(env)  # before the app's modules are imported here
        _empty_redis(args.broker_url)
        from citizen.app import create_app

        app = create_app()
        if args.profile:
            if args.only == "callbacks":
                profile_callbacks(app, env, args)
            else:
                profile_delivery(app, args.profile)
            return
        if args.only in (None, "pipeline"):
            pipeline_benchmark(app, env, stub, args, log=scratch.instance / "worker.log")
        if args.only in (None, "callbacks"):
            callbacks_benchmark(app, env, port, args, scripts=scratch.instance,
                                database=scratch.database_url.rsplit("/", 1)[1])


# -- 1. the pipeline ------------------------------------------------------------------------


def pipeline_benchmark(app, env: dict[str, str], stub: str, args, *, log: Path) -> None:
    stub_pids = serving(int(stub.rsplit(":", 1)[1]))
    database = env["DATABASE_URL"].rsplit("/", 1)[1]
    with _cpu_per_message(args.messages, this=True, stub=stub_pids) as direct_cpu:
        before = direct_posts(stub, messages=args.messages, threads=args.concurrency)
    _stub_reset(stub)
    with celery_worker(env, concurrency=args.concurrency, log=log) as worker:
        _enqueue(app, range(args.concurrency * 20), batch=args.batch, key="warm-up")
        _wait(lambda: _stub_total(stub) >= args.concurrency * 20, what="the warm-up", log=log)
        _wait(lambda: _unsent(app) == 0, what="the warm-up rows", log=log)
        _stub_reset(stub)

        with _cpu_per_message(args.messages, this=True, stub=stub_pids,
                              worker=[worker.pid, *_children(worker.pid)],
                              postgres=pids_of(f"postgres: .* {database} ")) as pipeline_cpu:
            started = time.perf_counter()
            _enqueue(app, range(args.messages), batch=args.batch, key="run")
            enqueued = time.perf_counter() - started
            sent_by_then = _stub_total(stub)
            # The stub's count is cheap to poll; the rows are the end of the pipeline.
            _wait(lambda: _stub_total(stub) >= args.messages, what="every message at the stub",
                  log=log, poll=0.1)
            _wait(lambda: _unsent(app) == 0, what="every row marked sent", log=log, poll=0.05)
            elapsed = time.perf_counter() - started
        rss = peak_rss_mb(worker.pid)
    counts = _stub_counts(stub)
    assert counts["by_status"] == {"201": args.messages}, counts["by_status"]  # each once
    after = direct_posts(stub, messages=args.messages, threads=args.concurrency)

    rate = args.messages / elapsed
    direct = statistics.mean([before, after])
    print(f"pipeline: {args.messages:,} SMS, {args.concurrency} worker processes, "
          f"enqueued in transactions of {args.batch:,} (load average {_load()})")
    print(f"  direct POSTs, {args.concurrency} threads:  {before:,.0f} / {after:,.0f} "
          f"messages/s (before / after)")
    tail = (args.messages - sent_by_then) / max(elapsed - enqueued, 1e-9)
    print(f"  through the pipeline:      {rate:,.0f} messages/s ({elapsed:.1f} s; "
          f"all enqueued and published after {enqueued:.1f} s, {tail:,.0f} messages/s "
          "from then on)")
    print(f"  ratio pipeline/direct: {rate / direct:.2f} (goal >= 0.50: "
          f"{'met' if rate / direct >= 0.5 else 'NOT met'})")
    print("  peak RSS: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in rss.items())
          + " (goal <= 200 MB per worker process)")
    # CPU a message, by process (PostgreSQL's backends of the scratch database): what the
    # other work on these two shared cores cannot move, unlike the rates above.
    for name, split in (("direct", direct_cpu), ("pipeline", pipeline_cpu)):
        print(f"  CPU a message, {name}: {sum(split.values()):.2f} ms ("
              + ", ".join(f"{group} {ms:.2f}" for group, ms in split.items()) + ")")


@contextlib.contextmanager
def _cpu_per_message(messages: int, *, this: bool = False, **groups: list[int]
                     ) -> Iterator[dict[str, float]]:
    """Milliseconds of CPU a message per group of processes (``this``: this process),
    filled in when the block ends."""
    split: dict[str, float] = {}
    mine = os.times()
    before = {name: cpu_seconds(pids) for name, pids in groups.items()}
    yield split
    if this:
        now = os.times()
        split["this process"] = 1e3 * (now.user + now.system - mine.user - mine.system) / messages
    for name, pids in groups.items():
        split[name] = 1e3 * (cpu_seconds(pids) - before[name]) / messages


def _children(pid: int) -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir()
            if p.name.isdigit() and _parent_of(p) == pid]


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def profile_delivery(app, messages: int) -> None:
    """In-process: what a pool process spends on a task of ``publish.BATCH`` messages
    (``outbox.deliver_many``'s body: claims, the channel, the transport, the records),
    without Celery, against the stub; then cProfile."""
    import sqlalchemy as sa
    from inprocess import measure

    from services.db import db
    from services.outbox import publish
    from services.outbox.models import OutboxMessage
    from services.outbox.tasks import deliver_many

    publish.publisher = lambda ids: None  # this process delivers them itself
    tasks = max(1, messages // publish.BATCH)
    # measure(): 10 warm-ups, five blocks of tasks // 5, then the profiled tasks.
    _enqueue(app, range((2 * tasks + 10) * publish.BATCH), batch=1_000, key="profile")
    with app.app_context():
        ids = db.session.scalars(sa.select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
        batches = iter(publish.batches(list(ids)))

        def send() -> None:
            if deliver_many.run(next(batches)) != publish.BATCH:
                raise SystemExit("a message was not sent")

        measure(send, tasks, name=f"a task of {publish.BATCH} SMS (outbox.deliver_many's body)")


def direct_posts(stub: str, *, messages: int, threads: int) -> float:
    """The transport's POSTs, straight from ``threads`` threads of this process; per s."""
    import requests

    url = f"{stub}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    failures: list[int] = []

    def send(share: range) -> None:
        with requests.Session() as session:
            session.auth = (ACCOUNT_SID, AUTH_TOKEN)
            for n in share:
                answer = session.post(url, data={"To": _number(n), "Body": BODY, "From": FROM,
                                                 "StatusCallback": f"{stub}{STATUS_PATH}"},
                                      timeout=10)
                if answer.status_code != 201:
                    failures.append(answer.status_code)

    shares = [range(i, messages, threads) for i in range(threads)]
    workers = [threading.Thread(target=send, args=(share,)) for share in shares]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    assert not failures, failures[:5]
    return messages / elapsed


def _enqueue(app, numbers: range, *, batch: int, key: str) -> None:
    from services.db import db
    from services.outbox import NewMessage, enqueue_many

    with app.app_context():
        for start in range(0, len(numbers), batch):
            # As notify_many queues a batch of notices: one INSERT per transaction.
            enqueue_many([NewMessage(channel="sms", payload={"to": _number(n), "body": BODY},
                                     dedupe_key=f"bench:{key}:{n}:sms")
                          for n in numbers[start:start + batch]])
            db.session.commit()  # publishes this batch


def _unsent(app) -> int:
    import sqlalchemy as sa

    from services.db import db
    from services.outbox.models import OutboxMessage, OutboxStatus

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).where(
            OutboxMessage.status != OutboxStatus.SENT))


def _number(n: int) -> str:
    return f"+479{n % 10_000_000:07d}"


@contextlib.contextmanager
def celery_worker(env: dict[str, str], *, concurrency: int, log: Path
                  ) -> Iterator[subprocess.Popen]:
    """The worker as the Procfile starts it, with ``concurrency`` pool processes."""
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [str(BIN / "celery"), "--app", "wsgi:celery", "worker", "--queues",
             "default,notifications", "--concurrency", str(concurrency), "--loglevel", "INFO",
             "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield worker
    finally:
        worker.terminate()  # warm shutdown
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def peak_rss_mb(pid: int) -> dict[str, float]:
    """VmHWM (peak resident set) of the worker's main process and of each pool process."""
    peaks = {"main": _vm_hwm(pid)}
    for n, child in enumerate(sorted(_children(pid)), 1):
        peaks[f"pool {n}"] = _vm_hwm(child)
    return peaks


def _vm_hwm(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for {pid}")


def _parent_of(proc: Path) -> int | None:
    try:
        # The command name, in parentheses, may hold spaces: the fields follow its end.
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


# -- 2. status callbacks --------------------------------------------------------------------


def callbacks_benchmark(app, env: dict[str, str], port: int, args, *, scripts: Path,
                        database: str) -> None:
    sids = _sids(app, args.callbacks)
    script = status_callback_script(scripts / "status_callbacks.lua", sids,
                                    url=f"{env['PUBLIC_BASE_URL']}{STATUS_PATH}")
    bare_port = free_port()
    with (gunicorn("wsgi:app", env, port=port) as ours,
          gunicorn("bare_flask:app", env, port=bare_port) as bare):

        def run(url: str, server: int, **options):
            # The CPU each request cost the server's processes and the scratch database's
            # backends (for bare Flask: none), run by run.
            return with_cpu(warmed(url, seconds=args.seconds, **options),
                            seconds=args.seconds, database=database, port=server)

        bare_run, bare_cpu = run(f"{bare}/healthz", bare_port)
        ours_run, ours_cpu = run(f"{ours}{STATUS_PATH}", port, lua=script)
        pair = compare(bare_run, ours_run, rounds=args.rounds)
    report(f"POST {STATUS_PATH} ({len(sids):,} SIDs, signed)", "bare Flask /healthz",
           "status callback", pair, goal=0.4)
    print("  CPU per request (gunicorn / PostgreSQL): bare Flask " + ", ".join(
        f"{server:.2f}" for server, _ in bare_cpu) + " ms; status callback " + ", ".join(
        f"{server:.2f} / {postgres:.2f}" for server, postgres in ours_cpu) + " ms")
    print(f"  load average {' '.join(f'{n:.1f}' for n in os.getloadavg())}")


def profile_callbacks(app, env: dict[str, str], args) -> None:
    """In-process (Flask's test client): CPU per status callback without the profiler, then
    cProfile's top functions and the statements one callback sends; ``/healthz`` beside it."""
    from inprocess import measure, ok, print_statements, statements_of

    sids = _sids(app, args.callbacks)
    signed = _signed_callbacks(sids, url=f"{env['PUBLIC_BASE_URL']}{STATUS_PATH}")
    client = app.test_client()
    turn = iter(range(10**9))

    def callback() -> None:
        body, signature = signed[next(turn) % len(signed)]
        ok(client.post(STATUS_PATH, data=body, headers={"X-Twilio-Signature": signature},
                       content_type="application/x-www-form-urlencoded"))

    measure(lambda: ok(client.get("/healthz")), args.profile, name="GET /healthz")
    measure(callback, args.profile, name=f"POST {STATUS_PATH}")
    print_statements(app, statements_of(app, callback), title="for one callback")


def _signed_callbacks(sids: list[str], *, url: str) -> list[tuple[str, str]]:
    """Twilio's status callback for each SID, ``sent`` then ``delivered``: (body,
    ``X-Twilio-Signature`` over ``url``)."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)
    signed = []
    for status in ("sent", "delivered"):
        for n, sid in enumerate(sids):
            params = {"AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01", "From": FROM,
                      "MessageSid": sid, "MessageStatus": status, "SmsSid": sid,
                      "SmsStatus": status, "To": _number(n)}
            signed.append((urlencode(params), validator.compute_signature(url, params)))
    return signed


def status_callback_script(path: Path, sids: list[str], *, url: str) -> Path:
    """A wrk script posting Twilio's status callback for each SID, ``sent`` then
    ``delivered``, signed as Twilio signs them (``X-Twilio-Signature`` over ``url``)."""
    signed = _signed_callbacks(sids, url=url)
    bodies = [body for body, _ in signed]
    signatures = [signature for _, signature in signed]
    path.write_text(
        f"local bodies = {_lua_list(bodies)}\n"
        f"local signatures = {_lua_list(signatures)}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        f'  return wrk.format("POST", "{STATUS_PATH}", '
        '{["Content-Type"] = "application/x-www-form-urlencoded", '
        '["X-Twilio-Signature"] = signatures[i]}, bodies[i])\n'
        "end\n")
    return path


def _lua_list(values: list[str]) -> str:
    return "{" + ",".join(json.dumps(v) for v in values) + "}"  # JSON strings are Lua's too


def _sids(app, count: int) -> list[str]:
    """SIDs of stored first statuses: the pipeline's, or made here without it."""
    import sqlalchemy as sa

    from services.db import db
    from services.notify.models import SmsStatus
    from services.outbox import enqueue

    with app.app_context():
        sids = list(db.session.scalars(sa.select(SmsStatus.sid).limit(count)))
        for n in range(len(sids), count):
            message = enqueue(channel="sms", payload={"to": _number(n), "body": BODY},
                              dedupe_key=f"bench:callbacks:{n}:sms")
            sid = f"SM{n:032x}"
            db.session.add(SmsStatus(outbox_message_id=message.id, sid=sid, status="queued"))
            sids.append(sid)
        db.session.commit()
    return sids


# -- the stub, Redis ------------------------------------------------------------------------


@contextlib.contextmanager
def twilio_stub(log: Path) -> Iterator[str]:
    """``python -m tests.standins.twilio --no-keep-requests`` on a free port."""
    port = free_port()
    with log.open("wb") as out:
        stub = subprocess.Popen(
            [sys.executable, "-m", "tests.standins.twilio", "--port", str(port),
             "--no-keep-requests"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        _wait(lambda: "listening on" in log.read_text(), what="the Twilio stub", log=log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stub.terminate()
        stub.wait(timeout=30)


def _stub_counts(stub: str) -> dict:
    with urllib.request.urlopen(f"{stub}/_stub/counts", timeout=10) as answer:  # noqa: S310
        return json.loads(answer.read())


def _stub_total(stub: str) -> int:
    return _stub_counts(stub)["total"]


def _stub_reset(stub: str) -> None:
    request = urllib.request.Request(f"{stub}/_stub/reset", data=b"", method="POST")  # noqa: S310
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 - loopback


def _empty_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def _wait(check, *, what: str, log: Path, timeout: float = 600, poll: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"timed out waiting for {what}\n{tail}")
        time.sleep(poll)


if __name__ == "__main__":
    main()
