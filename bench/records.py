"""My record under load (issue 11), part 1: the document list of citizens with 500
documents each.

1. her document list page (``/records``: the first 25 of 500, the count, the filter's
   organisations; one audit row per view) and
2. the same list from the API (``/api/v1/documents``, 50 a page),

each against ``bare_flask.py``'s ``/healthz`` in the same run (goal: ratio >= 0.15, p99
<= 100 ms at 32 connections). Part 2 (the access log with 10,000 entries) is
``bench/records_access_log.py``.

All servers run docker/gunicorn.conf.py (3 workers x 2 threads, access log on).

    .venv/bin/python bench/records.py --citizens 20 --documents 500 --seconds 10 --rounds 3
    .venv/bin/python bench/records.py --profile 200    # in-process: cProfile, SQL, EXPLAIN
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta

from cpu_split import with_cpu
from fhir_setup import national_ids, scratch_database
from harness import ROOT, compare, cookie_script, free_port, gunicorn, report, warmed
from inprocess import cpu_and_profile, ok, print_statements, statements_of

sys.path.insert(0, str(ROOT))

KINDS = ("discharge-summary", "outpatient-note", "lab-report", "imaging-report", "letter")
TARGETS = {"page": "/records", "API": "/api/v1/documents"}


def load(citizens: int, documents: int) -> list[str]:
    """Store ``documents`` documents for each of ``citizens`` citizens (over three
    hospitals, some withheld, some not yet released, a few corrections), in this process;
    return their session tokens."""
    import sqlalchemy as sa

    from citizen.app import create_app
    from services.actors import Actor
    from services.db import db
    from services.people.identity import parse_national_id
    from services.people.service import Registration, add_organisation, register_people
    from services.records.models import (
        Document,
        DocumentContent,
        DocumentKind,
        DocumentStatus,
    )
    from services.sessions.service import SessionKind, start_session

    app = create_app()
    with app.app_context():
        hospitals = [add_organisation(name=name, org_number=number).id for name, number in (
            ("St. Olavs hospital HF", "883974832"), ("Helse Møre og Romsdal HF", "997005562"),
            ("Helse Nord-Trøndelag HF", "983658776"))]
        registrations = [Registration(national_id=parse_national_id(n), given_name="Bench",
                                      family_name="Journal") for n in national_ids(citizens)]
        people = [p.id for p, _ in register_people(registrations=registrations,
                                                   actor=Actor.operator("bench"))]
        db.session.commit()
        now = datetime.now(UTC)
        body = b"<h2>Innkomst</h2><p>" + b"Pasienten ble lagt inn for observasjon. " * 40 + b"</p>"
        digest = hashlib.sha256(body).hexdigest()
        for person_id in people:
            rows = []
            for index in range(documents):
                rows.append({
                    "person_id": person_id, "identifier_system": "urn:bench",
                    "identifier_value": f"{person_id}-{index}",
                    "status": DocumentStatus.SUPERSEDED if index % 50 == 1
                    else DocumentStatus.CURRENT,
                    "kind": DocumentKind(KINDS[index % len(KINDS)]),
                    "title": f"{KINDS[index % len(KINDS)].replace('-', ' ').capitalize()} "
                             f"nr. {index}",
                    "author_name": "Lege Benk", "organisation_id": hospitals[index % 3],
                    "document_date": now - timedelta(hours=7 * index),
                    "confidentiality": "N", "withheld_from_patient": index % 97 == 0,
                    "release_after": now + timedelta(days=7) if index % 89 == 0 else None,
                    "content_type": "text/html", "content_size": len(body),
                    "content_sha256": digest, "created_at": now, "updated_at": now,
                    "version_id": 1})
            ids = db.session.scalars(sa.insert(Document).returning(Document.id), rows).all()
            db.session.execute(sa.insert(DocumentContent),
                               [{"document_id": i, "data": body} for i in ids])
            db.session.commit()
        tokens = []
        for person_id in people:
            _session, token = start_session(kind=SessionKind.CITIZEN,
                                            actor=Actor.person(person_id),
                                            absolute_timeout=timedelta(hours=12),
                                            person_id=person_id)
            tokens.append(token)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return tokens


def profile(app, token: str, requests: int) -> None:
    """In-process: CPU per request of each target (median of five blocks, then cProfile's
    top functions), the SQL statements each sends, and EXPLAIN ANALYZE of those that read
    her documents."""
    from citizen.auth.cookies import NAME

    client = app.test_client()
    client.set_cookie(NAME, token, domain="localhost")
    for name, target in TARGETS.items():
        found = cpu_and_profile(client, target, requests, name=name)
        found.sort_stats("cumulative").print_callees(
            r"records/(documents.py:\d+\(document_list|api_documents.py:\d+\("
            r"list_documents)|list.html:\d+\(block_content")

    for name, target in TARGETS.items():
        print_statements(app, statements_of(app, lambda target=target: ok(client.get(target))),
                         title=f"for the {name}",
                         explain=lambda sql: "record_documents" in sql)


def _print_cpu(splits) -> None:
    print("  project's CPU per request (server / PostgreSQL): " + ", ".join(
        f"{server:.1f} / {postgres:.1f} ms" for server, postgres in splits))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--citizens", type=int, default=20)
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, metavar="REQUESTS", nargs="?", const=200,
                        help="profile in-process instead of measuring with wrk")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if not args.profile and not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")

    port = free_port()
    _print_load()
    with scratch_database(args.admin_url, f"http://127.0.0.1:{port}") as scratch:
        os.environ.update(scratch.env)
        began = time.perf_counter()
        tokens = load(args.citizens, args.documents)
        print(f"loaded {args.citizens} citizens x {args.documents} documents in "
              f"{time.perf_counter() - began:.0f} s")
        if args.profile:
            from citizen.app import create_app

            profile(create_app(), tokens[0], args.profile)
            return
        with (gunicorn("wsgi:app", scratch.env, port=port) as ours,
              gunicorn("bare_flask:app", scratch.env) as bare):
            page_lua = cookie_script(scratch.instance / "page.lua", tokens, "/records")
            api_lua = cookie_script(scratch.instance / "api.lua", tokens, "/api/v1/documents")

            database = scratch.database_url.rsplit("/", 1)[1]

            def run(url: str, **options):
                return warmed(url, seconds=args.seconds, **options)

            def ours_with_cpu(target: str, lua):
                return with_cpu(run(f"{ours}{target}", lua=lua), seconds=args.seconds,
                                database=database, port=port)

            page_run, page_cpu = ours_with_cpu("/records", page_lua)
            pages = compare(run(f"{bare}/healthz"), page_run, rounds=args.rounds)
            report(f"document list page (/records, {args.documents} documents each, "
                   "audited)", "bare Flask /healthz", "project", pages, goal=0.15)
            _print_cpu(page_cpu)
            api_run, api_cpu = ours_with_cpu("/api/v1/documents", api_lua)
            listed = compare(run(f"{bare}/healthz"), api_run, rounds=args.rounds)
            report(f"document list API (/api/v1/documents, 50 of {args.documents}, audited)",
                   "bare Flask /healthz", "project", listed, goal=0.15)
            _print_cpu(api_cpu)
            worst = max(r.p99_ms for r in pages.candidate + listed.candidate)
            print(f"worst p99 of the two: {worst:.0f} ms (goal <= 100 ms: "
                  f"{'met' if worst <= 100 else 'NOT met'})")
    _print_load()


def _print_load() -> None:
    print(f"at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average "
          f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
