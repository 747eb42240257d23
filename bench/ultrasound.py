"""The ultrasound service under load, with 100,000 appointments stored (issue 10):

1. ``Appointment?patient.identifier=`` (the audited FHIR search helsenorge makes) and
2. the citizen's "my appointments" page (``/appointments``, audited per scan),

each against ``bare_flask.py``'s ``/healthz`` in the same run (goal: ratio >= 0.15, p99
<= 100 ms at 32 connections), and 3. the PDF letter: the median of 50 downloads, one at a
time (goal <= 300 ms).

All servers run docker/gunicorn.conf.py (3 workers x 2 threads, access log on).

    .venv/bin/python bench/ultrasound.py --appointments 100000 --seconds 10 --rounds 3
    .venv/bin/python bench/ultrasound.py --appointments 20000 --profile 200  # in-process
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cpu_split import with_cpu
from fhir_setup import FNR, national_ids, scratch_database
from harness import ROOT, compare, cookie_script, free_port, gunicorn, report, warmed
from inprocess import cpu_and_profile, ok, print_statements, statements_of

sys.path.insert(0, str(ROOT))

SCOPES = "system/Appointment.rs system/Patient.rs"
#: Women whose sessions and numbers the load picks from.
SAMPLE = 500


def load(appointments: int) -> tuple[list[str], list[str], list[int]]:
    """Store two scans for each of ``appointments // 2`` women, in this process; return a
    sample of their identity numbers, citizen session tokens and appointment ids."""
    import sqlalchemy as sa

    from citizen.app import create_app
    from services.actors import Actor
    from services.db import db
    from services.people.identity import parse_national_id
    from services.people.service import Registration, add_organisation, register_people
    from services.sessions.service import SessionKind, start_session
    from services.ultrasound.models import Appointment, AppointmentStatus, Service

    app = create_app()
    women = appointments // 2
    numbers = national_ids(women)
    with app.app_context():
        trust = add_organisation(name="St. Olavs hospital HF", org_number="883974832")
        people: list[int] = []
        for start in range(0, women, 2000):
            chunk = [Registration(national_id=parse_national_id(n), given_name="Bench",
                                  family_name="Gravid") for n in numbers[start:start + 2000]]
            people += [p.id for p, _ in register_people(registrations=chunk,
                                                        actor=Actor.operator("bench"))]
            db.session.commit()
        first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
        rows = []
        for index, person_id in enumerate(people):
            for service, weeks in ((Service.EARLY, 0), (Service.ROUTINE, 6)):
                start = first + timedelta(weeks=weeks, minutes=30 * (index % 200))
                rows.append({"identifier_system": "urn:bench", "person_id": person_id,
                             "identifier_value": f"{service.value}-{person_id}",
                             "organisation_id": trust.id, "service": service,
                             "start": start, "end": start + timedelta(minutes=30),
                             "status": AppointmentStatus.BOOKED, "version_id": 1,
                             "location_name": "Ultralyd",
                             "location_address_line": "Prinsesse Kristinas gate 6",
                             "location_postal_code": "7030", "location_city": "Trondheim",
                             "created_at": datetime.now(UTC),
                             "updated_at": datetime.now(UTC)})
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(Appointment), rows[start:start + 5000])
        db.session.commit()
        step = max(1, women // SAMPLE)
        sample = list(range(0, women, step))[:SAMPLE]
        tokens = []
        for index in sample:
            _session, token = start_session(kind=SessionKind.CITIZEN,
                                            actor=Actor.person(people[index]),
                                            absolute_timeout=timedelta(hours=12),
                                            person_id=people[index])
            tokens.append(token)
        letters = list(db.session.scalars(
            sa.select(Appointment.id).where(Appointment.person_id == people[sample[0]])))
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return [numbers[i] for i in sample], tokens, letters


def access_token() -> str:
    """A fresh token for the search (they live five minutes)."""
    from citizen.app import create_app
    from citizen.oauth import keys
    from services.clients import tokens
    from services.clients.service import create_client
    from services.clock import utcnow
    from services.db import db

    app = create_app()
    with app.app_context():
        client, _ = create_client(name="bench", scopes=SCOPES, auth_method="client_secret_basic")
        db.session.commit()
        return tokens.issue_access_token(key=keys.signing_key(), issuer=keys.issuer(),
                                         audience=keys.api_audience(),
                                         client_id=client.client_id, scope=SCOPES,
                                         now=utcnow()).token


def search_script(path: Path, numbers: list[str]) -> Path:
    path.write_text(
        "local ids = {" + ",".join(f'"{n}"' for n in numbers) + "}\n"
        "request = function()\n"
        f'  return wrk.format("GET", "/fhir/R4/Appointment?patient.identifier={FNR}|" '
        "  .. ids[math.random(#ids)])\nend\n")
    return path


def letter_times(base: str, token: str, appointment_id: int, count: int) -> list[float]:
    from citizen.auth.cookies import NAME

    times = []
    for index in range(count + 5):
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{base}/api/v1/appointments/{appointment_id}/letter.pdf",
            headers={"Cookie": f"{NAME}={token}", "Accept": "application/pdf"})
        began = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            body = response.read()
            assert response.status == 200 and body.startswith(b"%PDF"), response.status
        if index >= 5:  # the first few warm up fonts and templates
            times.append((time.perf_counter() - began) * 1000)
    return times


def profile(app, tokens: list[str], requests: int) -> None:
    """In-process: the page's CPU per request (without the profiler, then cProfile's top
    functions), and the SQL statements one page sends."""

    from citizen.auth.cookies import NAME

    client = app.test_client()
    client.set_cookie(NAME, tokens[0], domain="localhost")
    cpu_and_profile(client, "/appointments", requests, name="my appointments page")

    print_statements(app, statements_of(app, lambda: ok(client.get("/appointments"))),
                     title="for the page")



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--letters", type=int, default=50)
    parser.add_argument("--profile", type=int, metavar="REQUESTS", nargs="?", const=200,
                        help="profile the page in-process instead of measuring with wrk")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if not args.profile and not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")

    port = free_port()
    with scratch_database(args.admin_url, f"http://127.0.0.1:{port}") as scratch:
        os.environ.update(scratch.env)
        began = time.perf_counter()
        numbers, tokens, letters = load(args.appointments)
        print(f"loaded {args.appointments:,} appointments in {time.perf_counter() - began:.0f} s")
        if args.profile:
            from citizen.app import create_app

            profile(create_app(), tokens, args.profile)
            return
        with (gunicorn("wsgi:app", scratch.env, port=port) as ours,
              gunicorn("bare_flask:app", scratch.env) as bare):
            search_lua = search_script(scratch.instance / "search.lua", numbers)
            page_lua = cookie_script(scratch.instance / "pages.lua", tokens, "/appointments")

            def run(url: str, **options):
                return warmed(url, seconds=args.seconds, **options)

            token = access_token()
            search = compare(run(f"{bare}/healthz"),
                             run(f"{ours}/fhir/R4/Appointment", lua=search_lua, token=token),
                             rounds=args.rounds)
            report(f"Appointment?patient.identifier= ({args.appointments:,} appointments, "
                   "audited)", "bare Flask /healthz", "project", search, goal=0.15)
            page, splits = with_cpu(run(f"{ours}/appointments", lua=page_lua),
                                    seconds=args.seconds,
                                    database=scratch.database_url.rsplit("/", 1)[1],
                                    port=port)
            pages = compare(run(f"{bare}/healthz"), page, rounds=args.rounds)
            report("my appointments page (/appointments, audited)", "bare Flask /healthz",
                   "project", pages, goal=0.15)
            print("  project's CPU per request (server / PostgreSQL): " + ", ".join(
                f"{server:.1f} / {postgres:.1f} ms" for server, postgres in splits))
            times = letter_times(ours, tokens[0], letters[0], args.letters)
            median = statistics.median(times)
            print(f"PDF letter, {len(times)} one at a time: median {median:.0f} ms, "
                  f"max {max(times):.0f} ms (goal <= 300 ms: "
                  f"{'met' if median <= 300 else 'NOT met'})")


if __name__ == "__main__":
    main()
