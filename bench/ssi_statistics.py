"""Wound-infection statistics (issue 13) under load: a year (``--years``) of one hospital's
surveillance (``--operations``, 20,000 by default, with their cases, answers and
classifications; a tenth as many at another hospital as noise) in a scratch PostgreSQL
database, then

1. the statistics service in-process for a tertial and the whole year (median of 5), and
2. ``/api/v1/staff/ssi/statistics?tertial=...`` (JSON) and the page
   ``/staff/ssi/statistics?tertial=...`` served by gunicorn with the project's settings,
   with an infection-control nurse's session cookie, by wrk, each alternating with
   ``bare_flask.py``'s ``/healthz`` in the same run. At 6 connections (``--connections``),
   one a server thread (3 workers x 2 threads), not the other benchmarks' 32: a request
   takes a tenth of a second or more, so 32 would measure the queue (and wrk's latencies
   leave out what is still waiting when the run ends).

The tertial measured is the last complete one (the one before today's), with the one
before it for comparison, as the page shows them. Rows are inserted in batches on the
session's own connection (an earlier COPY on the driver connection under the session's
open transaction stalled).

    .venv/bin/python bench/ssi_statistics.py --operations 20000 --seconds 6 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics as stats
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fhir_setup import scratch_database
from harness import ROOT, compare, free_port, gunicorn, report, require_wrk, wrk

sys.path.insert(0, str(ROOT))
#: Operations a year by category, as a large Norwegian hospital's surveillance has them,
#: with each category's SSI rate.
MIX = {"CSEC": (30, 0.045), "HPRO": (30, 0.015), "CHOL": (15, 0.02), "COLO": (12, 0.09),
       "APPY": (8, 0.03), "CBGB": (3, 0.04), "CBGC": (2, 0.03)}
CHANNELS = {"web": 45, "helsenorge": 25, "sms": 20, "fhir": 3, "phone": 7}
LEVELS = {"superficial": 65, "deep": 20, "organ_space": 15}
BATCH = 5_000
PEOPLE = 5_000


def load(operations: int, years: int) -> tuple[str, str]:
    """The hospitals, the nurse, people and a year of operations with their cases;
    returns the nurse's session token and the tertial measured."""
    import sqlalchemy as sa

    from citizen.app import create_app
    from services.actors import Actor
    from services.db import db
    from services.people.identity import generate_national_id, parse_national_id
    from services.people.models import Person, Role
    from services.people.service import add_organisation, add_staff, vault
    from services.sessions.service import SessionKind, start_session
    from services.wound.models import Classification, FollowUp, Operation
    from services.wound.periods import tertial_containing, tertial_name

    app = create_app()
    with app.app_context():
        hospital = add_organisation(name="St. Olavs hospital HF", org_number="883974832")
        other = add_organisation(name="Helse Bergen HF", org_number="983974910")
        nurse = add_staff(national_id=parse_national_id(
            generate_national_id(date(1975, 5, 5), 0, synthetic=True), allow_synthetic=True),
            name="Siri Smittevern", hpr_number="1000001", organisation=hospital,
            roles=[Role.INFECTION_CONTROL])
        now = datetime.now(UTC)
        people = db.session.execute(sa.insert(Person).returning(Person.id), [
            {"national_id_hash": secrets.token_hex(32),
             "national_id_encrypted": vault().encrypt(f"0101{n:07d}"),
             "national_id_kind": "FNR", "given_name": "Pasient", "family_name": f"{n}",
             "birth_date": date(1960, 1, 1), "language": "nb", "created_at": now,
             "updated_at": now, "version_id": 1}
            for n in range(PEOPLE)]).scalars().all()
        rng = random.Random(13)
        rows = [_rows(rng, n, people, hospital.id if n % 11 else other.id, now, years)
                for n in range(1, operations + operations // 10 + 1)]
        for model, index in ((Operation, 0), (FollowUp, 1)):
            for start in range(0, len(rows), BATCH):
                db.session.execute(sa.insert(model), [r[index] for r in rows[start:start + BATCH]])
        classified = [r[2] for r in rows if r[2] is not None]
        for start in range(0, len(classified), BATCH):
            db.session.execute(sa.insert(Classification), classified[start:start + BATCH])
        for table in ("wound_operations", "wound_follow_ups"):
            db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"))
        _session, token = start_session(
            kind=SessionKind.STAFF, actor=Actor.staff(nurse.id, organisation_id=hospital.id),
            absolute_timeout=timedelta(hours=12), staff_id=nurse.id,
            organisation_id=hospital.id)
        db.session.commit()
    today = datetime.now(UTC).date()
    return token, tertial_name(tertial_containing(today).previous())


def _rows(rng: random.Random, n: int, people: list[int], organisation_id: int,
          now: datetime, years: int) -> tuple[dict, dict, dict | None]:
    """One operation of the last ``years``, its case where it stands today, and its
    classification once classified."""
    category = rng.choices(list(MIX), [weight for weight, _rate in MIX.values()])[0]
    performed = now - timedelta(days=rng.random() * 365 * years, hours=rng.random() * 8)
    person = rng.choice(people)
    asa, wound_class = rng.choices((1, 2, 3, 4), (20, 50, 27, 3))[0], rng.choice((1, 2, 2, 3))
    operation = {
        "id": n, "person_id": person, "identifier_system": "urn:bench:operations",
        "identifier_value": f"op-{n}", "status": "completed" if n % 200 else "entered-in-error",
        "category": category, "performed_at": performed,
        "duration_minutes": rng.randint(30, 240), "asa_class": asa, "wound_class": wound_class,
        "emergency": rng.random() < 0.2, "antibiotic_prophylaxis": True,
        "endoscopic": rng.random() < 0.3, "implant": category == "HPRO",
        "discharged_on": (performed + timedelta(days=rng.randint(0, 6))).date(),
        "organisation_id": organisation_id, "nnis_index": rng.choices((-1, 0, 1, 2, 3),
                                                                      (8, 45, 32, 12, 3))[0],
        "created_at": performed, "updated_at": performed, "version_id": 1}
    due = performed + timedelta(days=30)
    case = {"id": n, "operation_id": n, "person_id": person, "organisation_id": organisation_id,
            "due_on": due.date(), "state": "scheduled",
            "questionnaire_url": "https://minhelse.no/fhir/Questionnaire/"
                                 "wound-infection-followup",
            "questionnaire_version": "1.0", "reminders_sent": 0, "red_flags": [],
            "flagged": False, "created_at": performed, "updated_at": performed,
            "version_id": 1}
    if due > now:
        return operation, case, None
    infected = rng.random() < MIX[category][1]
    answered = infected or rng.random() < 0.8
    case.update(invited_at=due, state="non_responder" if not answered else "closed")
    if not answered:
        return operation, case, None
    case.update(answered_at=due + timedelta(hours=rng.expovariate(1 / 50)),
                answered_via=rng.choices(list(CHANNELS), list(CHANNELS.values()))[0],
                flagged=infected or rng.random() < 0.1)
    if case["answered_at"] > now - timedelta(days=10):  # not classified yet
        case["state"] = "answered"
        return operation, case, None
    level = rng.choices(list(LEVELS), list(LEVELS.values()))[0] if infected else "none"
    classification = {
        "follow_up_id": n, "level": level,
        "detected": None if level == "none" else "after_discharge",
        "readmitted": False, "reoperated": False, "died": False, "findings": {},
        "classified_by": "staff:1", "classified_at": case["answered_at"], "version_id": 1}
    return operation, case, classification


def in_process(tertial: str, years: int) -> None:
    """The service itself for the tertial, the last year and (``years`` > 1) all the years
    loaded (each with the period before it, as the page compares them)."""
    from citizen.app import create_app
    from services.actors import Actor
    from services.db import db
    from services.people.models import StaffMember
    from services.wound.periods import Period, parse_tertial
    from services.wound.statistics import statistics

    app = create_app()
    today = datetime.now(UTC).date()
    with app.app_context():
        nurse = db.session.query(StaffMember).one()
        actor = Actor.staff(nurse.id, organisation_id=nurse.roles[0].organisation_id)
        periods = [(f"tertial {tertial}", parse_tertial(tertial)),
                   ("last 365 days", Period(today - timedelta(days=364), today))]
        if years > 1:
            periods.append((f"last {years} years",
                            Period(today - timedelta(days=365 * years), today)))
        for name, period in periods:
            times = []
            for _ in range(5):
                started = time.perf_counter()
                report_ = statistics(actor=actor, period=period, category=None)
                times.append(time.perf_counter() - started)
            print(f"service, {name}: {report_.current.total.operations:,} operations "
                  f"(and {report_.previous.total.operations:,} before); median "
                  f"{stats.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
        db.engine.dispose()


def cookie_script(path: Path, token: str, target: str) -> Path:
    from citizen.auth.cookies import NAME

    path.write_text(f'wrk.headers["Cookie"] = "{NAME}={token}"\n'
                    f'wrk.path = "{target}"\n')
    return path


def check(url: str, token: str) -> float:
    """One request, which must be answered 200 (not a login redirect); its seconds."""
    import urllib.request

    from citizen.auth.cookies import NAME

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    started = time.perf_counter()
    request = urllib.request.Request(url, headers={"Cookie": f"{NAME}={token}"})  # noqa: S310
    with urllib.request.build_opener(NoRedirect).open(request, timeout=60) as answer:
        answer.read()
        if answer.status != 200:
            raise SystemExit(f"{url} answered {answer.status}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--operations", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=6)
    parser.add_argument("--years", type=int, default=1,
                        help="spread the operations over this many years (10 with 300,000: "
                             "the issue's ten years of national data)")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    require_wrk()
    port = free_port()
    with scratch_database(args.admin_url, f"http://127.0.0.1:{port}") as scratch:
        began = time.perf_counter()
        os.environ.update(scratch.env)
        token, tertial = load(args.operations, args.years)
        # Freshly inserted pages are not all-visible until vacuumed: whichever request ran
        # first would pay for it (the API ran at 2/3 of the page's rate before this).
        scratch.sql("VACUUM ANALYZE")
        print(f"loaded {args.operations:,} operations (+ {args.operations // 10:,} at another "
              f"hospital) in {time.perf_counter() - began:.0f} s")
        in_process(tertial, args.years)
        with (gunicorn("wsgi:app", scratch.env, port=port) as ours,
              gunicorn("bare_flask:app", scratch.env) as bare):
            def run(url: str, **options):
                wrk(url, seconds=2, **options)  # warm-up: lazy imports, pools, plans
                return lambda: wrk(url, seconds=args.seconds, **options)

            csv_path = f"/staff/ssi/statistics.csv?tertial={tertial}"
            print(f"CSV: one request alone "
                  f"{min(check(f'{ours}{csv_path}', token) for _ in range(3)) * 1000:.0f} ms")
            for name, path in (("API", f"/api/v1/staff/ssi/statistics?tertial={tertial}"),
                               ("page", f"/staff/ssi/statistics?tertial={tertial}")):
                alone = min(check(f"{ours}{path}", token) for _ in range(3))
                print(f"{name}: one request alone {alone * 1000:.0f} ms")
                lua = cookie_script(scratch.instance / f"{name}.lua", token, path)
                pair = compare(run(f"{bare}/healthz", connections=args.connections),
                               run(f"{ours}{path}", lua=lua, timeout="20s",
                                   connections=args.connections), rounds=args.rounds)
                report(f"SSI statistics {name}, tertial {tertial} and the one before "
                       f"({path.split('?')[0]})", "bare Flask /healthz", "project", pair,
                       connections=args.connections)
                worst = max(r.p99_ms for r in pair.candidate)
                print(f"  worst p99 {worst:.0f} ms")
    print(f"at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
