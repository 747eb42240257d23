"""The access-log page with 10,000 entries (issue 11, "who has seen my record"):

``/records/access-log`` (the newest 25 entries of her log, named: staff, their roles and
organisations, systems, a representative; her questions; the look itself audited) for
citizens whose logs hold ``--entries`` entries each, among everyone else's trail, against
``bare_flask.py``'s ``/healthz`` in the same run (goal: ratio >= 0.15, p99 <= 100 ms at 32
connections). A second figure pages deep: the page after the 5,000th entry (keyset).

All servers run docker/gunicorn.conf.py (3 workers x 2 threads, access log on).

    .venv/bin/python bench/records_access_log.py --entries 10000 --citizens 4 --seconds 10
    .venv/bin/python bench/records_access_log.py ... --composite-index   # with the index

The lead joins this with bench/records.py (the document list) when merging issue 11.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fhir_setup import national_ids, scratch_database
from harness import ROOT, compare, free_port, gunicorn, report, warmed

sys.path.insert(0, str(ROOT))

#: Other people's rows in the trail per row of the citizens measured.
OTHERS_PER_ENTRY = 2


def load(entries: int, citizens: int) -> tuple[list[str], list[str]]:
    """Store ``entries`` access-log rows for each of ``citizens`` people (and twice as many
    for others), a few answered questions; return their session tokens and the cursor of
    the page after each one's 5,000th entry."""
    import sqlalchemy as sa

    from citizen.app import create_app
    from services.actors import Actor
    from services.audit.models import AuditEvent
    from services.clients.models import SystemClient
    from services.db import db
    from services.people.identity import parse_national_id
    from services.people.models import Role
    from services.people.service import (
        Registration,
        add_organisation,
        add_staff,
        register_people,
    )
    from services.records.models import AccessQuestion, QuestionStatus
    from services.sessions.service import SessionKind, start_session

    app = create_app()
    numbers = national_ids(citizens * 3 + 20)
    with app.app_context():
        trust = add_organisation(name="St. Olavs hospital HF", org_number="883974832")
        unit = add_organisation(name="Kvinneklinikken", org_number="974749025", parent=trust)
        other = add_organisation(name="Helse Bergen HF", org_number="983974910")
        people = [p.id for p, _ in register_people(registrations=[
            Registration(national_id=parse_national_id(n), given_name="Bench",
                         family_name=f"Logg {i}") for i, n in enumerate(numbers[:citizens * 3])],
            actor=Actor.operator("bench"))]
        staff = []
        for index, number in enumerate(numbers[citizens * 3:citizens * 3 + 12]):
            organisation = (trust, unit, other)[index % 3]
            staff.append((add_staff(national_id=parse_national_id(number),
                                    name=f"Lege {index}", hpr_number=f"{1000000 + index}",
                                    organisation=organisation,
                                    roles=[Role.ULTRASOUND_CLINIC, Role.RECORDS_OFFICER]).id,
                          organisation.id))
        db.session.add_all([
            SystemClient(client_id="helsenorge", name="helsenorge", scopes="system/*.rs",
                         auth_method="client_secret_basic"),
            SystemClient(client_id="dips", name="DIPS Arena", scopes="system/*.cruds",
                         auth_method="client_secret_basic", organisation_id=trust.id)])
        db.session.commit()
        measured, others = people[:citizens], people[citizens:]
        now = datetime.now(UTC)
        serial = 0

        def row(subject: int, index: int) -> dict:
            nonlocal serial
            serial += 1
            kind = index % 10
            if kind < 7:
                staff_id, organisation_id = staff[index % len(staff)]
                actor = {"actor_kind": "staff", "actor_id": str(staff_id),
                         "actor_organisation_id": organisation_id, "purpose": "treatment",
                         "reason": "Tilsyn" if kind == 0 else None}
            elif kind < 9:
                actor = {"actor_kind": "system", "actor_id": ("helsenorge", "dips")[kind - 7],
                         "actor_organisation_id": None, "purpose": "system-integration",
                         "reason": None}
            else:
                actor = {"actor_kind": "person", "actor_id": str(others[0]),
                         "actor_organisation_id": None, "purpose": "self-service",
                         "reason": None}
            return {"occurred_at": now - timedelta(seconds=index * 30 + subject % 30),
                    "on_behalf_of_person_id": None, "subject_person_id": subject,
                    "action": "read", "resource_type": "DocumentReference",
                    "resource_id": str(index), "request_id": None, "chain": 15,
                    "prev_hash": "0" * 64,
                    "hash": hashlib.sha256(f"bench-{serial}".encode()).hexdigest(), **actor}

        batch = []
        for index in range(entries):
            for subject in measured:
                batch.append(row(subject, index))
            for copy in range(OTHERS_PER_ENTRY * citizens):
                batch.append(row(others[(index + copy) % len(others)], index))
            if len(batch) >= 10_000:
                db.session.execute(sa.insert(AuditEvent), batch)
                batch = []
        if batch:
            db.session.execute(sa.insert(AuditEvent), batch)
        db.session.commit()
        for subject in measured:  # a few questions, one of them answered
            events = db.session.scalars(
                sa.select(AuditEvent.id).where(AuditEvent.subject_person_id == subject,
                                               AuditEvent.actor_kind == "staff")
                .order_by(AuditEvent.occurred_at.desc()).limit(3)).all()
            for number, event_id in enumerate(events):
                db.session.add(AccessQuestion(
                    person_id=subject, audit_event_id=event_id, organisation_id=trust.id,
                    question="Hvorfor?", asked_by_person_id=subject,
                    status=QuestionStatus.ANSWERED if number == 0 else QuestionStatus.OPEN,
                    answer="Tilsyn fra annen avdeling." if number == 0 else None,
                    answered_at=now if number == 0 else None))
        tokens = []
        for subject in measured:
            _session, token = start_session(kind=SessionKind.CITIZEN,
                                            actor=Actor.person(subject),
                                            absolute_timeout=timedelta(hours=12),
                                            person_id=subject)
            tokens.append(token)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        cursors = []
        with app.test_request_context():
            from citizen.api.paging import _encode

            for subject in measured:
                middle = db.session.execute(
                    sa.select(AuditEvent.occurred_at, AuditEvent.id)
                    .where(AuditEvent.subject_person_id == subject)
                    .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
                    .offset(entries // 2).limit(1)).one()
                cursors.append(_encode([middle.occurred_at, middle.id]))
    return tokens, cursors


def page_script(path: Path, tokens: list[str], cursors: list[str] | None = None) -> Path:
    from citizen.auth.cookies import NAME

    pairs = [(t, c) for t, c in zip(tokens, cursors or [""] * len(tokens), strict=True)]
    path.write_text(
        "local pages = {" + ",".join(f'{{"{t}", "{c}"}}' for t, c in pairs) + "}\n"
        "request = function()\n"
        "  local p = pages[math.random(#pages)]\n"
        '  local path = "/records/access-log"\n'
        '  if p[2] ~= "" then path = path .. "?cursor=" .. p[2] end\n'
        f'  return wrk.format("GET", path, {{["Cookie"] = "{NAME}=" .. p[1]}})\nend\n')
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--citizens", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--composite-index", action="store_true",
                        help="add (subject_person_id, occurred_at, id) to the scratch database "
                             "first: what a migration adding it would buy (none exists)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")

    port = free_port()
    with scratch_database(args.admin_url, f"http://127.0.0.1:{port}") as scratch:
        os.environ.update(scratch.env)
        began = time.perf_counter()
        tokens, cursors = load(args.entries, args.citizens)
        if args.composite_index:
            scratch.sql("CREATE INDEX ix_audit_events_subject_person_occurred ON audit_events "
                        "(subject_person_id, occurred_at DESC, id DESC)")
            scratch.sql("ANALYZE audit_events")
        total = args.entries * args.citizens * (1 + OTHERS_PER_ENTRY)
        print(f"loaded {total:,} audit rows ({args.entries:,} in each of {args.citizens} "
              f"logs measured) in {time.perf_counter() - began:.0f} s")
        with (gunicorn("wsgi:app", scratch.env, port=port) as ours,
              gunicorn("bare_flask:app", scratch.env) as bare):
            first = page_script(scratch.instance / "first.lua", tokens)
            deep = page_script(scratch.instance / "deep.lua", tokens, cursors)

            def run(url: str, **options):
                return warmed(url, seconds=args.seconds, **options)

            pages = compare(run(f"{bare}/healthz"), run(f"{ours}/records/access-log", lua=first),
                            rounds=args.rounds)
            report(f"access log, newest 25 of {args.entries:,} (/records/access-log, audited)",
                   "bare Flask /healthz", "project", pages, goal=0.15)
            paged = compare(run(f"{bare}/healthz"), run(f"{ours}/records/access-log", lua=deep),
                            rounds=args.rounds)
            report(f"access log, 25 after the {args.entries // 2:,}th entry (keyset cursor)",
                   "bare Flask /healthz", "project", paged, goal=0.15)
            for name, pair in (("first page", pages), ("deep page", paged)):
                worst = max(r.p99_ms for r in pair.candidate)
                print(f"  {name}: worst p99 {worst:.1f} ms (goal <= 100 ms: "
                      f"{'met' if worst <= 100 else 'NOT met'})")


if __name__ == "__main__":
    main()
