"""Wound follow-up under load (issue 12): her final answer submitted through the API.

``POST /api/v1/questionnaires/{id}/answers`` with a complete QuestionnaireResponse, each
request the first final answer of a case of its own, so every one does the whole work:
the session, the case's row lock, the answer checked against the questionnaire, stored,
the case moved to answered (audited), the answer audited, the receipt notice queued in the
outbox and published after the commit. Against ``bare_flask.py``'s ``/healthz`` in the
same run (goal: ratio >= 0.08, p99 <= 200 ms at 32 connections).

Every wrk run gets its own slice of never-answered cases (a repeat of a final answer is a
cheaper path, 200 instead of 201); the script counts the answers each run stored, so a
slice run dry would show.

All servers run docker/gunicorn.conf.py (3 workers x 2 threads, access log on).

    .venv/bin/python bench/wound_submit.py --citizens 2000 --cases-per-run 6000 \\
        --seconds 10 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fhir_setup import national_ids, scratch_database
from harness import ROOT, Pair, compare, free_port, gunicorn, report, wrk
from inprocess import measure, print_statements, statements_of

sys.path.insert(0, str(ROOT))

#: wrk's threads (harness.wrk runs -t2): each takes every other case of its run's slice.
WRK_THREADS = 2


def load(citizens: int, cases: int) -> list[tuple[int, str]]:
    """``cases`` invited follow-up cases spread over ``citizens`` citizens (one hospital,
    operated 30 days ago), stored in this process; (case id, her session token) for each."""
    import sqlalchemy as sa

    from citizen.app import create_app
    from services.actors import Actor
    from services.db import db
    from services.people.identity import parse_national_id
    from services.people.models import Person
    from services.people.service import Registration, add_organisation, register_people
    from services.sessions.service import SessionKind, start_session
    from services.wound.models import CaseState, FollowUp, Operation

    app = create_app()
    with app.app_context():
        hospital = add_organisation(name="St. Olavs hospital HF", org_number="883974832").id
        registrations = [Registration(national_id=parse_national_id(n), given_name="Bench",
                                      family_name="Sår") for n in national_ids(citizens)]
        people = [p.id for p, _ in register_people(registrations=registrations,
                                                   actor=Actor.operator("bench"))]
        # A mobile each, so the receipt notice is an SMS through the outbox, as for most.
        people_table = Person.__table__
        db.session.execute(
            sa.update(people_table).where(people_table.c.id == sa.bindparam("person"))
            .values(mobile=sa.bindparam("number")),
            [{"person": person_id, "number": f"+47{90000000 + n}"}
             for n, person_id in enumerate(people)])
        db.session.commit()
        now = datetime.now(UTC)
        operated = now - timedelta(days=30)
        tokens = {}
        for person_id in people:
            _session, tokens[person_id] = start_session(
                kind=SessionKind.CITIZEN, actor=Actor.person(person_id),
                absolute_timeout=timedelta(hours=12), person_id=person_id)
        db.session.commit()
        owners = [people[n % len(people)] for n in range(cases)]
        operation_ids = db.session.scalars(sa.insert(Operation).returning(Operation.id), [{
            "person_id": person_id, "identifier_system": "urn:bench",
            "identifier_value": f"op-{n}", "category": "CSEC", "performed_at": operated,
            "duration_minutes": 45, "asa_class": 2, "wound_class": 2, "emergency": False,
            "antibiotic_prophylaxis": True, "endoscopic": False, "implant": False,
            "organisation_id": hospital, "nnis_index": 0} for n, person_id in
            enumerate(owners)]).all()
        case_ids = db.session.scalars(sa.insert(FollowUp).returning(FollowUp.id), [{
            "operation_id": operation_id, "person_id": person_id,
            "organisation_id": hospital, "due_on": now.date(), "state": CaseState.INVITED,
            "questionnaire_url": "https://minhelse.no/fhir/Questionnaire/"
                                 "wound-infection-followup",
            "questionnaire_version": "1.0", "invited_at": now}
            for operation_id, person_id in zip(operation_ids, owners, strict=True)]).all()
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return [(case_id, tokens[person_id])
            for case_id, person_id in zip(case_ids, owners, strict=True)]


def answer_body() -> str:
    """A complete answer: a little redness, the rest none, no care sought."""
    from tests.services.wound.answering import response

    return json.dumps(response(signs={"redness": "a-little"}), separators=(",", ":"))


def script(path: Path, cases: list[tuple[int, str]], body: str) -> Path:
    """A wrk script posting the final answer to each case of ``cases`` once (each thread
    every other one), then starting over (repeats) if the run outlasts the slice."""
    from citizen.auth.cookies import NAME

    ids = ",".join(str(case_id) for case_id, _ in cases)
    tokens = ",".join(f'"{token}"' for _, token in cases)
    path.write_text(
        f"local ids = {{{ids}}}\n"
        f"local tokens = {{{tokens}}}\n"
        f"local body = {json.dumps(body)}\n"
        "local counter = 0\n"
        "function setup(thread)\n"
        "  thread:set('offset', counter)\n"
        "  counter = counter + 1\n"
        "end\n"
        "local i = nil\n"
        "request = function()\n"
        "  if i == nil then i = offset end\n"
        "  local n = i % #ids + 1\n"
        f"  i = i + {WRK_THREADS}\n"
        '  return wrk.format("POST", "/api/v1/questionnaires/" .. ids[n] .. "/answers", '
        '{["Content-Type"] = "application/json", '
        f'["Cookie"] = "{NAME}=" .. tokens[n]}}, body)\n'
        "end\n")
    return path


def answers_stored() -> int:
    import sqlalchemy as sa

    from citizen.app import create_app
    from services.db import db
    from services.wound.models import Answer

    app = create_app()
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Answer))
        db.engine.dispose()
    return count or 0


def profile(cases: list[tuple[int, str]], body: str, requests: int) -> None:
    """In-process: CPU per submit without the profiler, then cProfile's top functions and
    the SQL statements one submit sends (each request a case of its own, as under wrk)."""

    from citizen.app import create_app
    from citizen.auth.cookies import NAME

    app = create_app()
    client = app.test_client()
    fresh = iter(cases)

    def submit() -> None:
        case_id, token = next(fresh)
        client.set_cookie(NAME, token, domain="localhost")
        response = client.post(f"/api/v1/questionnaires/{case_id}/answers", data=body,
                               content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"{response.status_code}: {response.get_data(as_text=True)[:500]}")

    measure(submit, requests, name="submit")

    print_statements(app, statements_of(app, submit), title="for one submit")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--cases-per-run", type=int, default=6000,
                        help="never-answered cases each wrk run may answer")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, metavar="REQUESTS", nargs="?", const=300,
                        help="profile in-process instead of measuring with wrk")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if not args.profile and not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")

    port = free_port()
    runs = args.rounds + 1  # and the warm-up
    with scratch_database(args.admin_url, f"http://127.0.0.1:{port}") as scratch:
        os.environ.update(scratch.env)
        began = time.perf_counter()
        # --profile: inprocess.measure's 10 warm-ups and two passes of N, then one more.
        wanted = 2 * args.profile + 20 if args.profile else args.cases_per_run * runs
        cases = load(args.citizens, wanted)
        print(f"loaded {len(cases):,} invited cases of {args.citizens:,} citizens in "
              f"{time.perf_counter() - began:.0f} s")
        body = answer_body()
        if args.profile:
            profile(cases, body, args.profile)
            return
        slices = iter(range(runs))
        stored: list[int] = []

        def submit(url: str, *, seconds: int):
            part = next(slices)
            lua = script(scratch.instance / f"submit-{part}.lua",
                         cases[part * args.cases_per_run:(part + 1) * args.cases_per_run],
                         body)
            before = answers_stored()
            run = wrk(url, seconds=seconds, lua=lua)
            stored.append(answers_stored() - before)
            return run

        with (gunicorn("wsgi:app", scratch.env, port=port) as ours,
              gunicorn("bare_flask:app", scratch.env) as bare):
            wrk(f"{bare}/healthz", seconds=2)  # warm-up: lazy imports, pools, plans
            submit(f"{ours}/api/v1/questionnaires", seconds=2)
            pair: Pair = compare(lambda: wrk(f"{bare}/healthz", seconds=args.seconds),
                                 lambda: submit(f"{ours}/api/v1/questionnaires",
                                                seconds=args.seconds),
                                 rounds=args.rounds)
        report("questionnaire submit (POST .../answers, a first final answer each: "
               "checked, stored, audited, receipt queued)", "bare Flask /healthz",
               "submit", pair, goal=0.08)
        for run, fresh in zip(pair.candidate, stored[1:], strict=True):
            sent = round(run.rps * args.seconds)
            print(f"  run of ~{sent:,} submits stored {fresh:,} new answers"
                  + (" (the slice ran dry: repeats)" if fresh >= args.cases_per_run else ""))
        worst = max(r.p99_ms for r in pair.candidate)
        print(f"worst p99: {worst:.0f} ms (goal <= 200 ms: {'met' if worst <= 200 else 'NOT met'})")


if __name__ == "__main__":
    main()
