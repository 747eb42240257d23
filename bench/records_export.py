"""Export everything (issue 11): a 200-document record built into its PDF and FHIR Bundle,
the way a worker builds it (the outbox's deliver task), timed from the claim to the
finished row. Goal: <= 30 s. The documents are a mix as a hospital sends them: HTML notes,
plain-text lab reports and original PDFs, each a page or two.

    .venv/bin/python bench/records_export.py --documents 200 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta

from fhir_setup import scratch_database
from harness import ROOT

sys.path.insert(0, str(ROOT))

PARAGRAPH = ("Pasienten ble innlagt for planlagt operasjon. Forløpet var ukomplisert, og "
             "såret ble vurdert daglig. Pasienten mobiliseres godt og utskrives til hjemmet "
             "med avtale om kontroll. ")


def load(documents: int):
    import hashlib

    from weasyprint import HTML

    from services.clock import utcnow
    from services.db import db
    from services.people.models import Organisation, Person
    from services.records.models import Document, DocumentContent, DocumentKind
    from tests.plugins.factories import make_organisation, make_person

    hospital = db.session.query(Organisation).first() or make_organisation()
    person: Person = make_person(given_name="Ola", family_name="Hansen")
    original = HTML(string=f"<h1>Henvisning</h1><p>{PARAGRAPH * 12}</p>").write_pdf()
    kinds = list(DocumentKind)
    for n in range(documents):
        if n % 3 == 0:
            body, content_type = original, "application/pdf"
        elif n % 3 == 1:
            body = ("<h2>Vurdering</h2>" + f"<p>{PARAGRAPH * 6}</p>" * 3).encode()
            content_type = "text/html"
        else:
            body = ("CRP 4 mg/L\nHb 13,9 g/dL\nLeukocytter 6,1\n" * 20).encode()
            content_type = "text/plain"
        db.session.add(Document(
            person_id=person.id, identifier_system="urn:bench", identifier_value=f"d{n}",
            kind=kinds[n % len(kinds)], title=f"Dokument {n}", author_name="Lege Lie",
            organisation_id=hospital.id, document_date=utcnow() - timedelta(days=n),
            content_type=content_type, content_size=len(body),
            content_sha256=hashlib.sha256(body).hexdigest(),
            content=DocumentContent(data=body)))
    db.session.commit()
    return person


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    with scratch_database(args.admin_url, "http://127.0.0.1:1") as scratch:
        os.environ.update(scratch.env)
        from citizen.app import create_app
        from services.actors import Actor
        from services.db import db
        from services.outbox.models import OutboxMessage
        from services.outbox.tasks import deliver
        from services.records import export
        from services.records.models import ExportStatus, RecordExport

        app = create_app()
        with app.app_context():
            person = load(args.documents)
            times, sizes = [], None
            for _ in range(args.rounds):
                asked = export.request_export(person_id=person.id, actor=Actor.person(person.id))
                db.session.commit()
                message = db.session.query(OutboxMessage).filter(
                    OutboxMessage.dedupe_key == f"records-export:{asked.id}").one()
                began = time.perf_counter()
                assert deliver.run(message.id) == "sent"
                times.append(time.perf_counter() - began)
                db.session.expire_all()
                built = db.session.get(RecordExport, asked.id)
                assert built.status is ExportStatus.READY, built.status
                sizes = (len(built.pdf), len(built.bundle))
        median = statistics.median(times)
        print(f"export of {args.documents} documents, {args.rounds} builds: median "
              f"{median:.1f} s, max {max(times):.1f} s; PDF {sizes[0] / 1e6:.1f} MB, "
              f"Bundle {sizes[1] / 1e6:.1f} MB (goal <= 30 s: "
              f"{'met' if median <= 30 else 'NOT met'})")


if __name__ == "__main__":
    main()
