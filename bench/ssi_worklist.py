"""The infection-control worklist under load (issue 13): one hospital with 5,000 open
wound follow-up cases (flagged answers with scores and red flags, non-responders to call,
answers in triage and review, cases still waiting for her answer), closed and scheduled
ones beside them, and another hospital's cases as noise. Measured at 32 connections with
the infection-control nurse's staff session:

1. the page ``/staff/ssi/worklist``, first page (50 entries, the counts per state),
2. the API ``/api/v1/staff/ssi/worklist?limit=50``,
3. the page filtered to the patients to call (``?state=non_responder``),

each against ``bare_flask.py``'s ``/healthz`` in the same run (goal: ratio >= 0.1, p99 <=
150 ms). Every view audits the 50 patients it shows (one multi-row INSERT).

All servers run docker/gunicorn.conf.py (3 workers x 2 threads, access log on).

    .venv/bin/python bench/ssi_worklist.py --open 5000 --seconds 8 --rounds 3
    .venv/bin/python bench/ssi_worklist.py --profile    # in-process: cProfile, EXPLAIN ANALYZE
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta

from cpu_split import with_cpu
from fhir_setup import scratch_database
from harness import ROOT, compare, cookie_script, free_port, gunicorn, report, warmed
from inprocess import cpu_and_profile, ok, print_statements, statements_of
from ssi_setup import Case, bulk_connection, load_cases, load_people

sys.path.insert(0, str(ROOT))

CATEGORIES = ("CSEC", "HPRO", "CHOL", "COLO", "CBGB", "CBGC", "APPY")
CHANNELS = ("web", "helsenorge", "sms", "phone", "fhir")
RED_FLAGS = ("pus", "opened-deep", "antibiotics", "opened-by-doctor", "readmitted",
             "reoperated")
#: The open cases: (state, flagged, share). 9 % flagged answers, 14 % to call, 38 %
#: waiting for her answer, the rest answered and somewhere in triage, review or classified.
OPEN_MIX = (("answered", True, 0.05), ("triaged", True, 0.02), ("under_review", True, 0.02),
            ("non_responder", False, 0.14), ("answered", False, 0.18),
            ("triaged", False, 0.06), ("under_review", False, 0.05),
            ("awaiting_information", False, 0.03), ("classified", False, 0.07),
            ("invited", False, 0.24), ("reminded", False, 0.14))
#: Beside them (not on the worklist): (state, share).
SHUT_MIX = (("closed", 0.7), ("lost_to_follow_up", 0.1), ("scheduled", 0.2))
ANSWERED = frozenset({"answered", "triaged", "under_review", "awaiting_information",
                      "classified", "closed"})
TARGETS = {"page": "/staff/ssi/worklist", "API": "/api/v1/staff/ssi/worklist?limit=50",
           "page to call": "/staff/ssi/worklist?state=non_responder"}


def case_of(rng: random.Random, now: datetime, person_id: int, organisation_id: int,
            state: str, flagged: bool, unit_id: int | None) -> Case:
    """A case in ``state`` as the service would have left it: invited on its due day,
    answered some hours or days later, triaged with a score (and red flags when flagged)."""
    age = rng.uniform(1, 25) if state == "scheduled" else (
        rng.uniform(60, 400) if state in ("closed", "lost_to_follow_up") else
        rng.uniform(31, 120))
    performed = (now - timedelta(days=age)).replace(microsecond=0)
    due = (performed + timedelta(days=30)).date()
    invited = None if state == "scheduled" else datetime(due.year, due.month, due.day, 8,
                                                         tzinfo=UTC)
    answered = (min(invited + timedelta(hours=rng.expovariate(1 / 40)), now)
                if state in ANSWERED else None)
    flags = tuple(rng.sample(RED_FLAGS, rng.randint(1, 3))) if flagged and rng.random() < 0.8 \
        else ()
    score = (rng.randint(6, 16) if flagged else rng.randint(0, 5)) if answered else None
    return Case(person_id=person_id, organisation_id=organisation_id,
                category=rng.choice(CATEGORIES), performed_at=performed, due_on=due,
                state=state, invited_at=invited,
                reminders_sent={"reminded": 1, "non_responder": 2,
                                "lost_to_follow_up": 2}.get(state, 0),
                answered_at=answered, answered_via=rng.choice(CHANNELS) if answered else None,
                red_flags=flags, triage_score=score, flagged=flagged,
                nnis_index=rng.choice((-1, 0, 0, 1, 1, 2)), unit_id=unit_id)


def mixed(total: int, mix) -> list[tuple[str, bool]]:
    """``total`` (state, flagged) pairs in the proportions of ``mix``."""
    pairs = []
    for state, flagged, share in mix:
        pairs += [(state, flagged)] * round(total * share)
    return pairs[:total]


def load(database_url: str, open_cases: int, shut_cases: int, other_cases: int) -> list[str]:
    """The two hospitals, the nurse and her session, the people and their cases; return
    the session's token."""
    from citizen.app import create_app
    from services.actors import Actor
    from services.db import db
    from services.people.models import Role
    from services.people.service import add_organisation
    from services.sessions.service import SessionKind, start_session
    from tests.plugins.factories import make_organisation, make_staff

    app = create_app()
    with app.app_context():
        hospital = make_organisation()
        units = [add_organisation(name="Kirurgisk klinikk", org_number="974749025",
                                  parent=hospital).id,
                 add_organisation(name="Kvinneklinikken", org_number="983974724",
                                  parent=hospital).id]
        other = make_organisation("Helse Bergen HF", "983974910")
        nurse = make_staff(hospital, Role.INFECTION_CONTROL, name="Smittevern Sykepleier")
        _session, token = start_session(
            kind=SessionKind.STAFF, actor=Actor.staff(nurse.id, organisation_id=hospital.id),
            absolute_timeout=timedelta(hours=12), staff_id=nurse.id,
            organisation_id=hospital.id)
        db.session.commit()
        rng = random.Random(13)
        now = datetime.now(UTC)
        ours = mixed(open_cases, OPEN_MIX) + [
            (state, False) for state, share in SHUT_MIX for _ in range(round(shut_cases * share))]
        theirs = mixed(other_cases, OPEN_MIX)
        with bulk_connection(database_url) as conn:
            people = load_people(conn, len(ours) + len(theirs))
            cases = [case_of(rng, now, person, hospital.id, state, flagged,
                             rng.choice((None, *units)))
                     for person, (state, flagged) in zip(people, ours, strict=False)]
            cases += [case_of(rng, now, person, other.id, state, flagged, None)
                      for person, (state, flagged) in zip(people[len(ours):], theirs,
                                                          strict=True)]
            load_cases(conn, cases)
    return [token]


def profile(app, token: str, requests: int) -> None:
    """In-process: CPU per request of each target (cProfile's top functions), and EXPLAIN
    ANALYZE of the worklist's SQL statements as the page sends them."""

    from citizen.auth.cookies import NAME

    client = app.test_client()
    client.set_cookie(NAME, token, domain="localhost")
    for name, target in TARGETS.items():
        found = cpu_and_profile(client, target, requests, name=name)
        found.sort_stats("cumulative").print_callees(r"wound/worklist.py:\d+\(worklist\)")

    print_statements(app, statements_of(app, lambda: ok(client.get(TARGETS["page"]))),
                     title="for the page",
                     explain=lambda sql: "wound_follow_ups" in sql
                     and sql.lstrip().startswith("SELECT"))



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=5000, help="open cases of the hospital")
    parser.add_argument("--shut", type=int, default=5000,
                        help="its closed, lost and scheduled cases")
    parser.add_argument("--other", type=int, default=3000, help="another hospital's cases")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=tuple(TARGETS))
    parser.add_argument("--profile", type=int, metavar="REQUESTS", nargs="?", const=200,
                        help="profile in-process instead of measuring with wrk")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if not args.profile and not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")

    port = free_port()
    print(f"at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average "
          f"{os.getloadavg()[0]:.1f}")
    with scratch_database(args.admin_url, f"http://127.0.0.1:{port}") as scratch:
        os.environ.update(scratch.env)
        began = time.perf_counter()
        tokens = load(scratch.database_url, args.open, args.shut, args.other)
        print(f"loaded {args.open:,} open cases, {args.shut:,} closed or scheduled and "
              f"{args.other:,} of another hospital in {time.perf_counter() - began:.0f} s")
        if args.profile:
            from citizen.app import create_app

            profile(create_app(), tokens[0], args.profile)
            return
        database = scratch.database_url.rsplit("/", 1)[1]
        with (gunicorn("wsgi:app", scratch.env, port=port) as ours,
              gunicorn("bare_flask:app", scratch.env) as bare):
            worst = 0.0
            for index, (name, target) in enumerate(TARGETS.items()):
                if args.only not in (None, name):
                    continue
                lua = cookie_script(scratch.instance / f"target{index}.lua", tokens, target)
                candidate, splits = with_cpu(warmed(f"{ours}/", seconds=args.seconds, lua=lua),
                                             seconds=args.seconds, database=database,
                                             port=port)
                pair = compare(warmed(f"{bare}/healthz", seconds=args.seconds), candidate,
                               rounds=args.rounds)
                report(f"worklist {name} ({target}, {args.open:,} open cases, audited)",
                       "bare Flask /healthz", "project", pair, goal=0.1)
                print("  project's CPU per request (server / PostgreSQL): " + ", ".join(
                    f"{server:.1f} / {postgres:.1f} ms" for server, postgres in splits))
                worst = max([worst, *(r.p99_ms for r in pair.candidate)])
            print(f"worst p99: {worst:.0f} ms (goal <= 150 ms: "
                  f"{'met' if worst <= 150 else 'NOT met'})")
    print(f"at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average "
          f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
