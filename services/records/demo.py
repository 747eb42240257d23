"""Demo data for my record: documents of several kinds for the demo citizens (one withheld
from the patient, one released next week, one corrected), access-log entries by staff with
their stated purposes, one "ask why" answered by the records officer, and one still open;
the parent sees the 8-year-old's record (not the 14-year-old's) and the daughter her
father's through her fullmakt, so ``make run`` shows the whole service."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.clock import utcnow
from services.db import db
from services.demo import demo_seeder
from services.people.models import Organisation, Person, Role, RoleAssignment, StaffMember
from services.records import content, questions
from services.records.ingest import DocumentData, create_document, document_by_identifier
from services.records.models import AccessQuestion, DocumentKind

SYSTEM = "urn:minhelse:demo:documents"
HOSPITAL = Actor.system("demo-hospital-system")
TRUST_NUMBER = "883974832"
#: (owner given name, identifier, kind, title, days ago, html, extra)
DOCUMENTS = [
    ("Ola", "ola-epikrise", DocumentKind.DISCHARGE_SUMMARY, "Epikrise etter operasjon", 30,
     "<h2>Innleggelse</h2><p>Innlagt for planlagt fjerning av galleblæren (laparoskopisk). "
     "Forløpet var ukomplisert.</p><h2>Videre oppfølging</h2><p>Kontroll hos fastlege om to "
     "uker. Du får spørsmål om operasjonssåret etter 30 dager.</p>", {}),
    ("Ola", "ola-blodprover", DocumentKind.LAB_REPORT, "Blodprøver før operasjonen", 33,
     "<table><tr><th>Analyse</th><th>Svar</th></tr><tr><td>CRP</td><td>4 mg/L</td></tr>"
     "<tr><td>Hemoglobin</td><td>14,1 g/dL</td></tr></table>", {}),
    ("Ola", "ola-ultralyd", DocumentKind.IMAGING_REPORT, "Ultralyd av magen", 45,
     "<p>Gallestein i galleblæren. Ingen tegn til betennelse.</p>", {}),
    ("Ola", "ola-notat", DocumentKind.OUTPATIENT_NOTE, "Poliklinisk notat", 60,
     "<p>Vurdert på poliklinikken for smerter under høyre ribbensbue. Planlagt operasjon.</p>",
     {}),
    ("Ola", "ola-unntatt", DocumentKind.OUTPATIENT_NOTE, "Notat unntatt innsyn", 20,
     "<p>Unntatt pasientens innsyn etter pasient- og brukerrettighetsloven § 5-1.</p>",
     {"withheld_from_patient": True}),
    ("Ola", "ola-patologi", DocumentKind.LAB_REPORT, "Svar fra patologen", 2,
     "<p>Galleblære med kronisk betennelse. Ingen tegn til kreft.</p>",
     {"release_after": timedelta(days=-7)}),
    ("Emil", "emil-brev", DocumentKind.LETTER, "Innkalling til poliklinikken", 10,
     "<p>Emil er satt opp til kontroll på barnepoliklinikken.</p>", {}),
    ("Emil", "emil-notat", DocumentKind.OUTPATIENT_NOTE, "Poliklinisk notat, barn", 40,
     "<p>Kontroll etter lungebetennelse. Emil er frisk.</p>", {}),
    ("Sofie", "sofie-notat", DocumentKind.OUTPATIENT_NOTE, "Poliklinisk notat", 15,
     "<p>Samtale på ungdomspoliklinikken.</p>", {}),
    ("Arne", "arne-epikrise", DocumentKind.DISCHARGE_SUMMARY, "Epikrise, medisinsk avdeling",
     12, "<p>Innlagt med hjertesvikt. Bedre etter justering av medisiner.</p>", {}),
]


@demo_seeder("records")
def seed_records() -> dict[str, int]:
    created = {"record documents": 0, "access-log entries": 0, "access questions": 0}
    trust = db.session.scalar(sa.select(Organisation).where(
        Organisation.org_number == TRUST_NUMBER))
    if trust is None or document_by_identifier(system=SYSTEM, value="ola-epikrise"):
        return created
    people = {p.given_name: p for p in db.session.scalars(sa.select(Person).where(
        Person.given_name.in_({d[0] for d in DOCUMENTS})))}
    now = utcnow()
    stored = {}
    for owner, identifier, kind, title, days_ago, html, extra in DOCUMENTS:
        person = people.get(owner)
        if person is None:
            continue
        release = extra.get("release_after")
        stored[identifier] = create_document(data=DocumentData(
            identifier_system=SYSTEM, identifier_value=identifier, person_id=person.id,
            organisation_id=trust.id, kind=kind, title=title,
            document_date=now - timedelta(days=days_ago), author_name="Lege Lise Lie",
            withheld_from_patient=extra.get("withheld_from_patient", False),
            release_after=now - release if release is not None else None,
            content=content.check(declared="text/html; charset=utf-8", data=html.encode())),
            actor=HOSPITAL)
        created["record documents"] += 1
    if "Ola" in people:
        from weasyprint import HTML  # heavy: only when the demo is seeded

        letter = HTML(string="<h1>Henvisning</h1><p>Henvist fra fastlegen for gallestein.</p>"
                      ).write_pdf()
        create_document(data=DocumentData(
            identifier_system=SYSTEM, identifier_value="ola-henvisning", person_id=people["Ola"].id,
            organisation_id=trust.id, kind=DocumentKind.LETTER, title="Henvisning fra fastlegen",
            document_date=now - timedelta(days=70), author_name="Fastlege Per Hansen",
            content=content.check(declared="application/pdf", data=letter)), actor=HOSPITAL)
        created["record documents"] += 1
        created.update(_access_log(people["Ola"], trust, stored))
    return created


def _access_log(patient: Person, trust: Organisation, stored) -> dict[str, int]:
    """Staff reads of Ola's record with their purposes, and his two questions about them."""
    staff = {s.name: s for s in db.session.scalars(sa.select(StaffMember))}
    nurse = staff.get("Siri Smittevern")
    officer = next((s for s in staff.values() for r in s.roles
                    if r.role is Role.RECORDS_OFFICER), None)
    if nurse is None or officer is None:
        return {}
    reads = [("DocumentReference", stored["ola-epikrise"].id, "treatment", None),
             ("DocumentReference", stored["ola-notat"].id, "quality-surveillance",
              "Oppfølging av sårinfeksjon etter operasjon (NOIS)"),
             ("DocumentReference", stored["ola-blodprover"].id, "treatment", None)]
    entries = [audit.record(actor=Actor.staff(nurse.id, organisation_id=trust.id),
                            action="read", resource_type=kind, resource_id=row_id,
                            subject_person_id=patient.id, purpose=purpose, reason=reason)
               for kind, row_id, purpose, reason in reads]
    db.session.flush()
    me = Actor.person(patient.id)
    answered = questions.ask(subject_id=patient.id, event_id=entries[1].id,
                             question="Hvorfor så smittevernet på notatet mitt?", actor=me)
    questions.answer(question_id=answered.id, actor=Actor.staff(
        officer.id, organisation_id=_officer_org(officer)),
        answer="Smittevernet følger opp alle som er operert, for å se om såret gror uten "
               "infeksjon. Det er lovpålagt overvåking (NOIS), og bare smittevernet ser det.")
    questions.ask(subject_id=patient.id, event_id=entries[2].id,
                  question="Hvem er Siri Smittevern?", actor=me)
    return {"access-log entries": len(entries),
            "access questions": db.session.scalar(sa.select(sa.func.count()).select_from(
                AccessQuestion))}


def _officer_org(officer: StaffMember) -> int:
    return db.session.scalar(sa.select(RoleAssignment.organisation_id).where(
        RoleAssignment.staff_id == officer.id, RoleAssignment.role == Role.RECORDS_OFFICER))
