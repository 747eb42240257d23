"""Demo data for wound follow-up, so ``make run`` shows each kind of case:

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

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from services.actors import Actor
from services.clock import NORWAY, today_in_norway, utcnow
from services.db import db
from services.demo import demo_seeder
from services.people.identity import generate_national_id, parse_national_id
from services.people.models import Organisation, Person
from services.people.service import find_person, register_person
from services.wound import answers, states
from services.wound.fhir import OperationData
from services.wound.ingest import create_operation, operation_by_identifier
from services.wound.invitations import ACTOR as FOLLOW_UP
from services.wound.invitations import take_due_steps
from services.wound.models import (
    AnswerChannel,
    CallOutcome,
    CaseNote,
    CaseState,
    Classification,
    Detection,
    FollowUp,
    NoteKind,
    Operation,
    OperationStatus,
    SSILevel,
)

SYSTEM = "urn:minhelse:demo:operations"
TRUST_NUMBER = "883974832"
HOSPITAL = Actor.system("demo-hospital-system")
QUESTIONNAIRE_URL = "https://minhelse.no/fhir/Questionnaire/wound-infection-followup"
SEVERITY = "https://minhelse.no/fhir/CodeSystem/wound-sign-severity"


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
    answers.save(case_id=case.id, response=_response(
        case, pain="a-little", sought_advice=True), final=True, channel=AnswerChannel.WEB,
        actor=Actor.person(parent.id, on_behalf_of=case.person_id),
        now=utcnow() - timedelta(days=2))
    return 1


def _draft(case: FollowUp, daughter: Person) -> int:
    _invite(case)
    _remind(case, 1, 3)
    db.session.flush()
    answers.save(case_id=case.id, response=_response(case, redness="a-little",
                                                     opened=True, care=False),
                 final=False, channel=AnswerChannel.WEB,
                 actor=Actor.person(daughter.id, on_behalf_of=case.person_id),
                 now=utcnow() - timedelta(days=1))
    return 1


def _non_responder(case: FollowUp) -> None:
    _invite(case)
    _remind(case, 1, 3)
    _remind(case, 2, 7)
    states.move(case, CaseState.NON_RESPONDER, actor=FOLLOW_UP)
    db.session.flush()


def _response(case: FollowUp, *, redness: str = "none", pain: str = "none", opened: bool = False,
              sought_advice: bool = False, care: bool = True) -> dict[str, Any]:
    """An answer to the case's wound questionnaire (1.0); ``care=False`` stops after the first
    group's pages (a draft)."""
    signs: dict[str, Any] = {"redness": redness, "warmth": "none", "swelling": "none",
                             "pain": pain, "clear-fluid": "none", "bloody-fluid": "none",
                             "pus": "none"}
    items: list[dict[str, Any]] = [
        {"linkId": link, "answer": [{"valueCoding": {"system": SEVERITY, "code": code}}]}
        for link, code in signs.items()]
    opened_answer: dict[str, Any] = {"valueBoolean": opened}
    if opened:
        opened_answer["item"] = [{"linkId": "opened-deep", "answer": [{"valueBoolean": False}]}]
    items += [{"linkId": "opened", "answer": [opened_answer]},
              {"linkId": "fever", "answer": [{"valueBoolean": False}]}]
    group = [{"linkId": "signs", "item": items}]
    if care:
        asked = [{"linkId": "sought-advice", "answer": [{"valueBoolean": sought_advice}]}]
        if sought_advice:
            asked += [{"linkId": link, "answer": [{"valueBoolean": link == "antibiotics"}]}
                      for link in ("antibiotics", "opened-by-doctor", "readmitted",
                                   "reoperated")]
        group.append({"linkId": "care", "item": asked})
    return {"resourceType": "QuestionnaireResponse", "questionnaire": answers.canonical(case),
            "status": "completed" if care else "in-progress", "item": group}


# --- infection control's living worklist (Siri Smittevern) ---------------------------------

SURVEILLANCE_SYSTEM = "urn:minhelse:demo:surveillance"
SURVEILLANCE_COUNT = 120
_GIVEN = ("Ingrid", "Lars", "Marit", "Per", "Anne", "Jon", "Sigrid", "Knut", "Liv", "Bjørn",
          "Astrid", "Terje", "Randi", "Geir", "Solveig", "Odd")
_FAMILY = ("Berg", "Johansen", "Larsen", "Olsen", "Pedersen", "Nilsen", "Kristiansen",
           "Jensen", "Karlsen", "Haugen", "Bakken", "Moen")
_CATEGORIES = ("CSEC", "HPRO", "CHOL", "COLO", "CBGB", "APPY")
#: A realistic mix: ~5 % SSIs among the classified.
_LEVELS = ((SSILevel.SUPERFICIAL, "superficial-purulent", None),
           (SSILevel.DEEP, "deep-dehiscence", None),
           (SSILevel.ORGAN_SPACE, "organ-space-abscess", "IAB"))


@demo_seeder("wound-surveillance")
def seed_surveillance() -> dict[str, int]:
    """~120 generated operations over the last three tertials at the demo hospital: flagged
    answers, non-responders with calls, cases under review, classified ones of each level."""
    created = {"wound surveillance cases": 0}
    trust = db.session.scalar(sa.select(Organisation).where(
        Organisation.org_number == TRUST_NUMBER))
    if trust is None or operation_by_identifier(system=SURVEILLANCE_SYSTEM,
                                                value="s-0") is not None:
        return created
    rng = random.Random(13)  # noqa: S311  (demo data: the same every time, not a secret)
    today = today_in_norway()
    for index in range(SURVEILLANCE_COUNT):
        birth = date(1940 + rng.randrange(60), rng.randrange(1, 13), rng.randrange(1, 28))
        nid = parse_national_id(generate_national_id(birth, 100 + index, synthetic=True),
                                allow_synthetic=True)
        person = find_person(national_id=nid) or register_person(
            national_id=nid, given_name=rng.choice(_GIVEN), family_name=rng.choice(_FAMILY),
            actor=HOSPITAL)
        days_ago = 35 + index * 200 // SURVEILLANCE_COUNT if index >= 20 else 31 + index % 10
        day = today - timedelta(days=days_ago)
        operation = Operation(
            person_id=person.id, identifier_system=SURVEILLANCE_SYSTEM,
            identifier_value=f"s-{index}", category=_CATEGORIES[index % len(_CATEGORIES)],
            performed_at=_on(day, 9), duration_minutes=rng.randrange(30, 240),
            asa_class=rng.randrange(1, 5), wound_class=rng.randrange(1, 5),
            emergency=rng.random() < 0.2, antibiotic_prophylaxis=True,
            endoscopic=rng.random() < 0.3, implant=False,
            discharged_on=day + timedelta(days=rng.randrange(1, 6)),
            organisation_id=trust.id, nnis_index=rng.randrange(0, 3))
        db.session.add(operation)
        db.session.flush()
        case = FollowUp(operation_id=operation.id, person_id=person.id,
                        organisation_id=trust.id, due_on=day + timedelta(days=30),
                        questionnaire_url=QUESTIONNAIRE_URL, questionnaire_version="1.0")
        db.session.add(case)
        db.session.flush()
        _surveillance_case(case, index, rng)
        created["wound surveillance cases"] += 1
    return created


def _surveillance_case(case: FollowUp, index: int, rng: random.Random) -> None:
    if index < 20:  # the open worklist
        _invite(case)
        db.session.flush()
        if index < 6:  # flagged answers
            answers.save(case_id=case.id, response=_response(
                case, redness="quite-a-bit", pain="a-lot", opened=index % 2 == 0,
                sought_advice=index % 3 == 0), final=True, channel=AnswerChannel.WEB,
                actor=Actor.person(case.person_id), now=utcnow() - timedelta(days=1))
        elif index < 12:  # non-responders, some called without answer
            _remind(case, 1, 3)
            _remind(case, 2, 7)
            states.move(case, CaseState.NON_RESPONDER, actor=FOLLOW_UP)
            if index % 2:
                db.session.add(CaseNote(follow_up_id=case.id, kind=NoteKind.CALL,
                                        outcome=CallOutcome.NO_ANSWER, text="",
                                        written_by="demo"))
        else:  # under review / awaiting information
            answers.save(case_id=case.id, response=_response(case, redness="a-little"),
                         final=True, channel=AnswerChannel.WEB,
                         actor=Actor.person(case.person_id), now=utcnow() - timedelta(days=2))
            case.state = (CaseState.UNDER_REVIEW if index % 2
                          else CaseState.AWAITING_INFORMATION)
            db.session.add(CaseNote(follow_up_id=case.id, kind=NoteKind.NOTE,
                                    text="Venter på journal fra fastlege.", written_by="demo"))
        return
    case.state = CaseState.CLASSIFIED
    level, criterion, site = (SSILevel.NONE, None, None)
    if index % 17 == 0 or index in (21, 22, 23):
        level, criterion, site = _LEVELS[index % 3]
    operated = case.operation.performed_at.astimezone(NORWAY).date()
    db.session.add(Classification(
        follow_up_id=case.id, level=level, criterion=criterion, organ_site=site,
        onset_on=operated + timedelta(days=rng.randrange(5, 25)) if criterion else None,
        detected=Detection.AFTER_DISCHARGE if criterion else None,
        reoperated=level is SSILevel.ORGAN_SPACE, classified_by="demo"))
