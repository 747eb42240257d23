"""Wound-infection statistics (issue 13): 300,000 operations over ten years in a scratch
PostgreSQL database (COPY), then the statistics service, the page and the CSV (in-process,
Flask test client) for a tertial, a year and ten years. Goal: <= 1 s each.

    .venv/bin/python bench/ssi_statistics.py --operations 300000
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

from fhir_setup import scratch_database
from harness import ROOT

sys.path.insert(0, str(ROOT))
CATEGORIES = ("CSEC", "HPRO", "CHOL", "COLO", "CBGB", "CBGC", "APPY")
CHANNELS = ("web", "helsenorge", "sms", "phone", "fhir")
LEVELS = ("none", "none", "none", "superficial", "deep", "organ_space")
START = datetime(2016, 9, 1, 8, 0, tzinfo=UTC)


def load(operations: int) -> tuple[int, int]:
    """People, a hospital with its staff member, and the operations with cases and some
    classifications; returns (staff id, hospital id)."""
    import sqlalchemy as sa

    from services.db import db
    from services.people.models import Person, Role
    from services.people.service import vault
    from tests.plugins.factories import make_organisation, make_staff

    hospital = make_organisation()
    other = make_organisation("Helse Bergen HF", "983974910")
    nurse = make_staff(hospital, Role.INFECTION_CONTROL)
    now = datetime.now(UTC)
    people = db.session.execute(sa.insert(Person).returning(Person.id), [
        {"national_id_hash": secrets.token_hex(32),
         "national_id_encrypted": vault().encrypt(f"0101{n:07d}"), "national_id_kind": "FNR",
         "given_name": "Pasient", "family_name": f"{n}", "birth_date": date(1960, 1, 1),
         "language": "nb", "created_at": now, "updated_at": now, "version_id": 1}
        for n in range(2000)]).scalars().all()
    db.session.commit()
    rng = random.Random(13)
    raw = db.session.connection().connection.driver_connection
    span = (datetime(2026, 9, 1, tzinfo=UTC) - START).total_seconds()
    with raw.cursor() as cursor:
        with cursor.copy("COPY wound_operations (id, person_id, identifier_system, "
                         "identifier_value, status, category, performed_at, duration_minutes, "
                         "asa_class, wound_class, emergency, antibiotic_prophylaxis, "
                         "endoscopic, implant, organisation_id, nnis_index, created_at, "
                         "updated_at, version_id) FROM STDIN") as copy:
            for n in range(1, operations + 1):
                at = START + timedelta(seconds=rng.random() * span)
                copy.write_row((n, rng.choice(people), "urn:bench", f"op-{n}",
                                "completed" if n % 100 else "entered-in-error",
                                rng.choice(CATEGORIES), at, 60, 2, 2, False, True, False,
                                False, hospital.id if n % 10 else other.id,
                                rng.choice((-1, 0, 0, 1, 1, 2, 3)), now, now, 1))
        with cursor.copy("COPY wound_follow_ups (id, operation_id, person_id, organisation_id, "
                         "due_on, state, questionnaire_url, questionnaire_version, invited_at, "
                         "reminders_sent, answered_at, answered_via, red_flags, flagged, "
                         "created_at, updated_at, version_id) FROM STDIN") as copy:
            for n in range(1, operations + 1):
                invited = START + timedelta(days=rng.random() * 3650)
                answered = rng.random() < 0.7
                copy.write_row((n, n, rng.choice(people), hospital.id if n % 10 else other.id,
                                invited.date(), "answered" if answered else "non_responder",
                                "q", "1.0", invited, 0,
                                invited + timedelta(hours=rng.expovariate(1 / 60))
                                if answered else None,
                                rng.choice(CHANNELS) if answered else None, "[]",
                                rng.random() < 0.1, now, now, 1))
        with cursor.copy("COPY wound_classifications (follow_up_id, level, detected, "
                         "readmitted, reoperated, died, findings, classified_by, "
                         "classified_at, version_id) FROM STDIN") as copy:
            for n in range(1, operations + 1, 8):
                copy.write_row((n, rng.choice(LEVELS), "after_discharge", False, False,
                                False, "{}", "staff 1", now, 1))
    raw.commit()
    for table in ("wound_operations", "wound_follow_ups", "wound_classifications"):
        statement = (f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                     f"(SELECT max(id) FROM {table}))")
        db.session.execute(sa.text(statement))
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    return nurse.id, hospital.id


def timed(call, rounds: int = 5) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return stats.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--operations", type=int, default=300_000)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with scratch_database(args.admin_url, "http://127.0.0.1:1") as scratch:
        os.environ.update({**scratch.env, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/12"})
        from citizen.app import create_app

        app = create_app()
        with app.app_context():
            started = time.perf_counter()
            staff_id, hospital_id = load(args.operations)
            print(f"loaded {args.operations:,} operations in "
                  f"{time.perf_counter() - started:.1f} s")
        from services.actors import Actor
        from services.wound.periods import Period, parse_tertial
        from services.wound.statistics import statistics
        from tests.citizen.pages import sign_in_staff

        actor = Actor.staff(staff_id, organisation_id=hospital_id)
        periods = {"tertial 2026-1": ("tertial=2026-1", parse_tertial("2026-1")),
                   "year 2025": ("from=2025-01-01&to=2025-12-31",
                                 Period(date(2025, 1, 1), date(2025, 12, 31))),
                   "ten years": ("from=2016-09-01&to=2026-08-31",
                                 Period(date(2016, 9, 1), date(2026, 8, 31)))}
        client = app.test_client()
        with app.app_context():
            from services.db import db
            from services.people.models import Organisation, StaffMember

            sign_in_staff(client, db.session.get(StaffMember, staff_id),
                          db.session.get(Organisation, hospital_id))
        for name, (query, period) in periods.items():
            with app.app_context():
                service = timed(lambda p=period: statistics(actor=actor, period=p,
                                                            category=None))
                ops = statistics(actor=actor, period=period, category=None).current.total
            page = timed(lambda q=query: _ok(client.get(f"/staff/ssi/statistics?{q}")))
            sheet = timed(lambda q=query: _ok(client.get(f"/staff/ssi/statistics.csv?{q}")))
            print(f"{name}: {ops.operations:,} operations; service {service[0]:.3f} s "
                  f"(max {service[1]:.3f}), page {page[0]:.3f} s (max {page[1]:.3f}), "
                  f"CSV {sheet[0]:.3f} s (max {sheet[1]:.3f})")
    print(f"at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f}")


def _ok(response) -> None:
    if response.status_code != 200:
        raise SystemExit(f"{response.status_code}: {response.get_data(as_text=True)[:500]}")


if __name__ == "__main__":
    main()
