"""The named demo patients' wound cases, so ``make run`` shows each kind of case:

- Ola Hansen had his gallbladder removed 30 days ago (his record tells of it): his
  questionnaire opens today, invited by the due job as any other, with its notice.
- Emil Nordmann (8) had his appendix out 40 days ago; his mother answered for him two
  days ago (her receipt notice goes as the answer service sends it).
- Arne Lie got a new hip 35 days ago; his daughter, who holds his fullmakt, has answered
  the first part and saved it (a draft), after one reminder.
- Kari Nordmann had colon surgery 50 days ago and never answered: a non-responder, whom
  staff are to call, and who may still answer late.

The operations come in through the ingest as the hospital's would; the cases' past steps
are moved through the state machine at the days they would have been taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from services.actors import Actor
from services.clock import NORWAY, today_in_norway, utcnow
from services.db import db
from services.demo import demo_seeder
from services.people.models import Organisation, Person
from services.wound import answers, states
from services.wound.demo.replies import Care, Reply, response
from services.wound.fhir import OperationData
from services.wound.ingest import create_operation, operation_by_identifier
from services.wound.invitations import ACTOR as FOLLOW_UP
from services.wound.invitations import take_due_steps
from services.wound.models import AnswerChannel, CaseState, FollowUp, OperationStatus

SYSTEM = "urn:minhelse:demo:operations"
TRUST_NUMBER = "883974832"
HOSPITAL = Actor.system("demo-hospital-system")


@dataclass(frozen=True)
class DemoOperation:
    identifier: str
    given_name: str
    family_name: str
    category: str
    #: The hospital's own code and name (NCSP), as its system would send them.
    code: str
    display: str
    days_ago: int
    minutes: int
    asa: int
    wound_class: int
    emergency: bool = False
    endoscopic: bool = False
    implant: bool = False


OPERATIONS = [
    DemoOperation("ola-chol", "Ola", "Hansen", "CHOL", "JKA21", "Laparoskopisk kolecystektomi",
                  30, 75, 2, 2, endoscopic=True),
    DemoOperation("emil-appy", "Emil", "Nordmann", "APPY", "JEA01",
                  "Laparoskopisk appendektomi", 40, 45, 1, 3, emergency=True, endoscopic=True),
    DemoOperation("arne-hpro", "Arne", "Lie", "HPRO", "NFB40",
                  "Primær totalprotese i hofteledd med sement", 35, 95, 3, 1, implant=True),
    DemoOperation("kari-colo", "Kari", "Nordmann", "COLO", "JFB33",
                  "Laparoskopisk høyresidig hemikolektomi", 50, 160, 2, 2, endoscopic=True),
]


@demo_seeder("wound")
def seed_wound() -> dict[str, int]:
    created = {"wound operations": 0, "wound answers": 0}
    trust = db.session.scalar(sa.select(Organisation).where(
        Organisation.org_number == TRUST_NUMBER))
    if trust is None or operation_by_identifier(system=SYSTEM, value="ola-chol") is not None:
        return created
    people = {(p.given_name, p.family_name): p for p in db.session.scalars(sa.select(Person))}
    cases: dict[str, FollowUp] = {}
    for demo in OPERATIONS:
        person = people.get((demo.given_name, demo.family_name))
        if person is None:
            continue
        operation = create_operation(data=_data(demo, person, trust), actor=HOSPITAL)
        cases[demo.identifier] = db.session.scalar(sa.select(FollowUp).where(
            FollowUp.operation_id == operation.id))
        created["wound operations"] += 1
        if demo.identifier == "ola-chol":
            # Due today: invited by the due job, with its notice, before the others exist.
            take_due_steps(now=utcnow())
    if "emil-appy" in cases:
        created["wound answers"] += _answered(cases["emil-appy"], people[("Kari", "Nordmann")])
    if "arne-hpro" in cases:
        created["wound answers"] += _draft(cases["arne-hpro"], people[("Hilde", "Lie")])
    if "kari-colo" in cases:
        _non_responder(cases["kari-colo"])
    return created


def _data(demo: DemoOperation, person: Person, trust: Organisation) -> OperationData:
    day = today_in_norway() - timedelta(days=demo.days_ago)
    return OperationData(
        identifier_system=SYSTEM, identifier_value=demo.identifier,
        status=OperationStatus.COMPLETED, person_id=person.id, category=demo.category,
        procedure_code=demo.code, procedure_display=demo.display,
        performed_at=datetime.combine(day, time(9, 0), NORWAY).astimezone(UTC),
        duration_minutes=demo.minutes, asa_class=demo.asa, wound_class=demo.wound_class,
        emergency=demo.emergency, antibiotic_prophylaxis=True, endoscopic=demo.endoscopic,
        implant=demo.implant, discharged_on=day + timedelta(days=1),
        organisation_id=trust.id, unit_id=None, reported={})


def _on(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), NORWAY).astimezone(UTC)


def _invite(case: FollowUp) -> None:
    states.move(case, CaseState.INVITED, actor=FOLLOW_UP)
    case.invited_at = _on(case.due_on)


def _remind(case: FollowUp, reminder: int, days_after: int) -> None:
    states.move(case, CaseState.REMINDED, actor=FOLLOW_UP)
    case.reminders_sent, case.last_reminded_at = reminder, _on(
        case.due_on + timedelta(days=days_after))


def _answered(case: FollowUp, parent: Person) -> int:
    _invite(case)
    _remind(case, 1, 3)
    db.session.flush()
    reply = Reply(signs={"pain": "a-little"}, care=Care(sought_advice=True, antibiotics=True))
    answers.save(case_id=case.id, response=response(case, reply), final=True,
                 channel=AnswerChannel.WEB,
                 actor=Actor.person(parent.id, on_behalf_of=case.person_id),
                 now=utcnow() - timedelta(days=2))
    return 1


def _draft(case: FollowUp, daughter: Person) -> int:
    _invite(case)
    _remind(case, 1, 3)
    db.session.flush()
    draft = Reply(signs={"redness": "a-little"}, opened=True, care=None)
    answers.save(case_id=case.id, response=response(case, draft), final=False,
                 channel=AnswerChannel.WEB,
                 actor=Actor.person(daughter.id, on_behalf_of=case.person_id),
                 now=utcnow() - timedelta(days=1))
    return 1


def _non_responder(case: FollowUp) -> None:
    _invite(case)
    _remind(case, 1, 3)
    _remind(case, 2, 7)
    states.move(case, CaseState.NON_RESPONDER, actor=FOLLOW_UP)
    db.session.flush()
