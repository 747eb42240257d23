"""The infection-control side's demo (issue 13): St. Olavs' surveillance of some 280
operations over the last 250 days, worked on as Siri Smittevern would have, so
the worklist, the case pages, the statistics and the NOIS-POSI export have something real
to show.

- Each operation comes in through the ingest (``create_operation``), and its case goes
  through its days as the real services would have taken them: invited on its due day,
  reminded at +3 and +7, a non-responder at +14 (``services.wound.schedule``); she answers
  on the web, through helsenorge or by SMS (``answers.save``), or staff call her and some
  answer on the phone (``review.record_call``); staff triage, review with notes, ask for
  information, classify through ``classification.classify`` with the findings its
  proposal rests on, and close. Each step's moment is moved to the day it happened.
- Only days before today are lived: what is due today is left to the due job, as for any
  case. The data is drawn with a seeded generator relative to today, so every seed makes
  the same data moved with the calendar, and the report's counts are the same every day.
- A fixed set of cases (``SHOWCASE``) fills every group of the worklist whatever the day:
  flagged answers with different red flags and scores, non-responders to call, answered,
  triaged, under review, awaiting information, classified, waiting.
- Rates as Norwegian surveillance reports them: SSI in about 1.5 % of hip prostheses,
  2-3 % of cholecystectomies and appendectomies, 4-5 % of caesarean sections and 9 % of
  colon surgery; three answers in four, some by phone after a call.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from services.actors import Actor
from services.clock import NORWAY, today_in_norway
from services.db import db
from services.demo import demo_seeder
from services.notify.models import ChannelChoice, NotificationSettings
from services.people.demo import SEEDER, demo_staff_national_id
from services.people.identity import generate_national_id, parse_national_id
from services.people.models import Organisation, Person
from services.people.service import Registration, find_staff, register_people
from services.wound import answers, classification, review, states, triage
from services.wound.classify import Culture, Evidence, Findings, Layer, Opening
from services.wound.demo.patients import HOSPITAL, SYSTEM, TRUST_NUMBER
from services.wound.demo.replies import Care, Reply, items, response
from services.wound.fhir import OperationData
from services.wound.helsenorge import ACTOR as HELSENORGE
from services.wound.ingest import create_operation, operation_by_identifier
from services.wound.invitations import ACTOR as FOLLOW_UP
from services.wound.models import (
    Answer,
    AnswerChannel,
    CallOutcome,
    CaseState,
    Detection,
    FollowUp,
    OperationStatus,
    SSILevel,
)
from services.wound.schedule import NON_RESPONDER_DAYS, REMINDER_DAYS
from services.wound.sms import inbound_actor

#: Operations are drawn for each of these days before today.
SPAN_DAYS = 250
SEED = "minhelse-wound-surveillance-demo"
#: Identifiers: the hospital's own (``SYSTEM``), ``ssi-0001`` and on.
PREFIX = "ssi-"
#: Siri Smittevern, the infection-control nurse of ``DEMO_STAFF``.
NURSE = 0
#: Generated patients' identity numbers start at this index for their birth date: the
#: named demo people use the first few.
FIRST_INDEX = 20
#: A number that is nobody's (as the named demo people have).
MOBILE = "+4790000000"
#: Where she answers, of those who answer by themselves.
CHANNELS = {AnswerChannel.WEB: 45, AnswerChannel.HELSENORGE: 30, AnswerChannel.SMS: 25}
#: Days after the invitation she answers (0–13), by weight: most at once, some after a
#: reminder.
ANSWER_DAYS = (30, 18, 9, 7, 5, 4, 3, 6, 4, 3, 2, 2, 1, 1)
#: The levels of a category's infections in turn: two in three superficial.
LEVELS = (SSILevel.SUPERFICIAL, SSILevel.SUPERFICIAL, SSILevel.DEEP, SSILevel.SUPERFICIAL,
          SSILevel.ORGAN_SPACE, SSILevel.SUPERFICIAL)
MICROORGANISMS = ("Staphylococcus aureus", "Staphylococcus aureus", "Escherichia coli",
                  "Enterococcus faecalis", "Streptococcus agalactiae",
                  "Staphylococcus epidermidis")
#: None of them is a named demo person's name, nor starts one (the login page is searched
#: by label, the tests find the named people by their given names).
FAMILY_NAMES = (
    "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen",
    "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Haugen", "Johannessen", "Andreassen",
    "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen", "Lund", "Sørensen", "Moen",
    "Gundersen", "Iversen", "Strand", "Solberg", "Svendsen", "Eide", "Knutsen", "Martinsen",
    "Paulsen", "Bakken", "Kristoffersen", "Mathisen", "Amundsen", "Nguyen", "Rasmussen",
    "Solheim", "Moe", "Bakke", "Ahmed", "Sandvik", "Aune", "Hoel", "Ødegård", "Brekke",
    "Hagen", "Fossum", "Vik", "Myhre", "Tangen", "Holm", "Nowak", "Haug", "Foss")
WOMEN = ("Maren", "Inger", "Marit", "Liv", "Eva", "Ida", "Nora", "Emma", "Sara", "Thea",
         "Maja", "Hanne", "Silje", "Camilla", "Marte", "Tone", "Randi", "Solveig", "Astrid",
         "Berit", "Gunn", "Aud", "Ragnhild", "Sigrid", "Helene", "Julie", "Amalie",
         "Ingeborg", "Linn", "Mona", "Elin", "Grete", "Turid", "Wenche", "Fatima", "Agnieszka")
MEN = ("Per", "Jan", "Lars", "Knut", "Bjørn", "Terje", "Geir", "Svein", "Tor", "Odd", "Rune",
       "Magnus", "Henrik", "Jonas", "Sander", "Mathias", "Kristian", "Anders", "Thomas",
       "Espen", "Morten", "Trond", "Arild", "Leif", "Kjell", "Harald", "Ivar", "Eirik",
       "Mohammed", "Piotr")


@dataclass(frozen=True)
class Procedure:
    """One category as St. Olavs operates it: how often, on whom, with what risk."""

    category: str
    #: NCSP code and name, endoscopic and open.
    endoscopic_code: tuple[str, str] | None
    open_code: tuple[str, str] | None
    per_day: float
    minutes: tuple[int, int]
    ages: tuple[int, int]
    women: float
    #: Weights of ASA 1–4 and of wound class 1–4.
    asa: tuple[int, int, int, int]
    wound_class: tuple[int, int, int, int]
    emergency: float
    endoscopic: float
    implant: bool
    ssi_rate: float
    organ_site: str
    response_rate: float
    stay_days: tuple[int, int]


PROCEDURES = {p.category: p for p in (
    Procedure("CSEC", None, ("MCA10", "Keisersnitt i nedre uterinsegment"), 0.36, (42, 12),
              (22, 43), 1.0, (50, 45, 5, 0), (0, 92, 8, 0), 0.45, 0.0, False, 0.045, "EMET",
              0.72, (2, 4)),
    Procedure("HPRO", None, ("NFB40", "Primær totalprotese i hofteledd med sement"), 0.32,
              (95, 25), (55, 92), 0.65, (8, 50, 38, 4), (100, 0, 0, 0), 0.25, 0.0, True,
              0.015, "PJI", 0.85, (3, 6)),
    Procedure("COLO", ("JFB33", "Laparoskopisk høyresidig hemikolektomi"),
              ("JFB30", "Høyresidig hemikolektomi"), 0.16, (170, 50), (45, 88), 0.5,
              (5, 45, 45, 5), (0, 75, 20, 5), 0.15, 0.6, False, 0.09, "IAB", 0.8, (4, 9)),
    Procedure("CHOL", ("JKA21", "Laparoskopisk kolecystektomi"), ("JKA20", "Kolecystektomi"),
              0.16, (75, 25), (25, 76), 0.7, (30, 55, 15, 0), (0, 90, 10, 0), 0.1, 0.92, False,
              0.02, "IAB", 0.8, (0, 2)),
    Procedure("APPY", ("JEA01", "Laparoskopisk appendektomi"), ("JEA00", "Appendektomi"),
              0.1, (50, 15), (16, 66), 0.5, (55, 40, 5, 0), (0, 40, 50, 10), 1.0, 0.85, False,
              0.03, "IAB", 0.75, (1, 3)),
)}

TRIAGE, REVIEW, AWAIT, RESUME, CLASSIFY, CLOSE = ("triage", "review", "await", "resume",
                                                  "classify", "close")
#: The state each of staff's moves by hand goes to.
MOVES = {TRIAGE: CaseState.TRIAGED, REVIEW: CaseState.UNDER_REVIEW,
         AWAIT: CaseState.AWAITING_INFORMATION, RESUME: CaseState.UNDER_REVIEW,
         CLOSE: CaseState.CLOSED}


@dataclass(frozen=True)
class Step:
    """What staff did, ``after`` days after the day of her answer (0: the next day)."""

    after: int
    kind: str
    #: A note written with it: (topic, text).
    note: tuple[str, str] | None = None


@dataclass(frozen=True)
class Call:
    """Staff called a non-responder ``after`` days after the invitation."""

    after: int
    outcome: CallOutcome
    text: str = ""


@dataclass(frozen=True)
class Fate:
    """How one case goes, from the invitation on."""

    reply: Reply = field(default_factory=Reply)
    #: Days after the invitation she answers by herself; None: she does not.
    answers_after: int | None = 0
    hour: int = 18
    channel: AnswerChannel = AnswerChannel.WEB
    #: What staff find: the level they classify.
    level: SSILevel = SSILevel.NONE
    #: The infection's onset, days after the operation.
    onset_after: int = 12
    microorganism: str = MICROORGANISMS[0]
    calls: tuple[Call, ...] = ()
    #: Days after the invitation staff give up on her (lost to follow-up).
    lost_after: int | None = None
    handling: tuple[Step, ...] = ()


@dataclass(frozen=True)
class Planned:
    category: str
    days_ago: int
    fate: Fate


# Her replies, from a clean wound to an infection.
CLEAN = Reply()
MILD = Reply(signs={"redness": "a-little", "pain": "a-little"})
SUPERFICIAL_SIGNS = Reply(signs={"redness": "quite-a-bit", "pain": "a-little",
                                 "pus": "a-little"},
                          care=Care(sought_advice=True, antibiotics=True))
DEEP_SIGNS = Reply(signs={"redness": "quite-a-bit", "swelling": "quite-a-bit",
                          "pain": "quite-a-bit", "pus": "quite-a-bit"},
                   opened=True, opened_deep=True, fever=True,
                   care=Care(sought_advice=True, antibiotics=True, opened_by_doctor=True))
ORGAN_SPACE_SIGNS = Reply(signs={"pain": "a-lot"}, fever=True,
                          care=Care(sought_advice=True, antibiotics=True, readmitted=True,
                                    reoperated=True))
#: Flagged without an infection: antibiotics for something else, many mild signs, a
#: stitch that wept.
FALSE_ALARMS = (
    Reply(signs={"redness": "a-little"}, care=Care(sought_advice=True, antibiotics=True)),
    Reply(signs={"redness": "quite-a-bit", "warmth": "a-little", "swelling": "a-little",
                 "pain": "a-little"}, fever=True),
    Reply(signs={"pus": "a-little", "clear-fluid": "a-little"}),
)
SIGNS_OF = {SSILevel.NONE: CLEAN, SSILevel.SUPERFICIAL: SUPERFICIAL_SIGNS,
            SSILevel.DEEP: DEEP_SIGNS, SSILevel.ORGAN_SPACE: ORGAN_SPACE_SIGNS}

CONTACTED = ("patient-contacted", "Ringte pasienten: hun/han forteller om rødhet og væske "
             "fra såret, og har vært hos fastlegen.")
REOPERATED = ("patient-contacted", "Reinnlagt og reoperert ved Gastrokirurgisk avdeling; "
              "journalen gjennomgås.")
CULTURE = ("culture-requested", "Sårprøve tatt ved poliklinisk kontroll; venter på svar fra "
           "mikrobiologisk avdeling.")
RECORDS = ("records-requested", "Ba fastlegen om notatet fra konsultasjonen og svar på "
           "eventuell sårprøve.")
FOUND = ("other", "Journal og prøvesvar gjennomgått; klassifisert etter NHSN-kriteriene.")
CALMED = ("patient-contacted", "Ringte pasienten: plagene gikk over av seg selv, ingen "
          "behandling for såret.")

FLAGGED_HANDLING = (Step(0, TRIAGE), Step(1, REVIEW, CONTACTED), Step(8, CLASSIFY, FOUND),
                    Step(21, CLOSE))
ASKED_HANDLING = (Step(0, TRIAGE), Step(1, REVIEW), Step(2, AWAIT, RECORDS), Step(7, RESUME),
                  Step(9, CLASSIFY, FOUND), Step(24, CLOSE))
CALM_HANDLING = (Step(0, TRIAGE), Step(1, REVIEW, CALMED), Step(3, CLASSIFY), Step(14, CLOSE))
ROUTINE_HANDLING = (Step(1, TRIAGE), Step(3, CLASSIFY), Step(10, CLOSE))

#: Cases that fill every group of the worklist, whatever the day (``days_ago``: the
#: operation's; she is invited 30 days after it).
SHOWCASE = (
    # Flagged answers, each with its own red flags and score.
    Planned("COLO", 33, Fate(Reply(signs={"redness": "quite-a-bit", "swelling": "a-little",
                                          "pain": "quite-a-bit", "pus": "quite-a-bit"},
                                   fever=True),
                             answers_after=2, hour=20, level=SSILevel.SUPERFICIAL,
                             handling=FLAGGED_HANDLING)),
    Planned("CSEC", 35, Fate(FALSE_ALARMS[0], answers_after=3, hour=9,
                             channel=AnswerChannel.HELSENORGE, handling=CALM_HANDLING)),
    Planned("HPRO", 41, Fate(Reply(signs={"swelling": "quite-a-bit", "pain": "quite-a-bit",
                                          "clear-fluid": "a-little"},
                                   opened=True, opened_deep=True, fever=True),
                             answers_after=2, hour=14, channel=AnswerChannel.SMS,
                             level=SSILevel.DEEP,
                             handling=(Step(0, TRIAGE), Step(1, REVIEW, CULTURE),
                                       Step(14, CLASSIFY, FOUND)))),
    Planned("COLO", 39, Fate(ORGAN_SPACE_SIGNS, answers_after=1, hour=11,
                             level=SSILevel.ORGAN_SPACE,
                             handling=(Step(0, TRIAGE), Step(1, REVIEW, REOPERATED),
                                       Step(12, CLASSIFY, FOUND)))),
    Planned("CHOL", 32, Fate(FALSE_ALARMS[1], answers_after=1, hour=21,
                             channel=AnswerChannel.HELSENORGE, handling=CALM_HANDLING)),
    # Waiting on others.
    Planned("CSEC", 46, Fate(Reply(signs={"redness": "a-little", "pus": "a-little"}),
                             answers_after=4, level=SSILevel.SUPERFICIAL,
                             handling=(Step(0, TRIAGE), Step(1, REVIEW), Step(2, AWAIT, RECORDS),
                                       Step(20, RESUME), Step(21, CLASSIFY, FOUND)))),
    # Non-responders to call: not called yet, no answer, a wrong number.
    Planned("HPRO", 50, Fate(answers_after=None,
                             calls=(Call(16, CallOutcome.NO_ANSWER, "Ingen svar; prøver igjen "
                                                                    "i morgen."),))),
    Planned("CSEC", 46, Fate(answers_after=None)),
    Planned("COLO", 57, Fate(answers_after=None, calls=(Call(
        15, CallOutcome.WRONG_NUMBER, "Nummeret tilhører en annen; ber avdelingen om riktig "
                                      "nummer."),))),
    # Answered, triaged, answered on the phone, classified: the rest.
    Planned("CHOL", 33, Fate(CLEAN, answers_after=2, hour=19, handling=ROUTINE_HANDLING)),
    Planned("HPRO", 35, Fate(MILD, answers_after=1, channel=AnswerChannel.SMS,
                             handling=(Step(1, TRIAGE), Step(5, CLASSIFY)))),
    Planned("HPRO", 49, Fate(MILD, answers_after=None, calls=(Call(
        15, CallOutcome.ANSWERED_BY_PHONE, "Svarte på skjemaet i telefonen."),),
                             handling=(Step(0, TRIAGE), Step(4, CLASSIFY)))),
    Planned("CSEC", 55, Fate(SUPERFICIAL_SIGNS, answers_after=3, level=SSILevel.SUPERFICIAL,
                             microorganism="Staphylococcus aureus",
                             handling=(Step(0, TRIAGE), Step(1, REVIEW, CONTACTED),
                                       Step(10, CLASSIFY, FOUND), Step(40, CLOSE)))),
    Planned("CSEC", 80, Fate(DEEP_SIGNS, answers_after=1, level=SSILevel.DEEP, onset_after=11,
                             handling=FLAGGED_HANDLING)),
    Planned("COLO", 100, Fate(ORGAN_SPACE_SIGNS, answers_after=0, hour=16,
                              level=SSILevel.ORGAN_SPACE, microorganism="Escherichia coli",
                              onset_after=9, handling=ASKED_HANDLING)),
    Planned("COLO", 75, Fate(answers_after=None, calls=(
        Call(15, CallOutcome.NO_ANSWER), Call(18, CallOutcome.NO_ANSWER)), lost_after=25)),
    # Waiting for her answer: invited yesterday; reminded twice.
    Planned("CHOL", 31, Fate(CLEAN, answers_after=5)),
    Planned("APPY", 39, Fate(MILD, answers_after=12)),
)


@dataclass
class Made:
    """What the seeding created, by kind."""

    counts: Counter = field(default_factory=Counter)

    def report(self) -> dict[str, int]:
        return {kind: self.counts[kind] for kind in (
            "surveillance patients", "surveillance operations", "surveillance answers",
            "surveillance notes and calls", "surveillance classifications")}


@demo_seeder("wound surveillance")
def seed_surveillance() -> dict[str, int]:
    made = Made()
    trust = db.session.scalar(sa.select(Organisation).where(
        Organisation.org_number == TRUST_NUMBER))
    nurse = find_staff(national_id=parse_national_id(demo_staff_national_id(NURSE),
                                                     allow_synthetic=True))
    if trust is None or nurse is None or operation_by_identifier(
            system=SYSTEM, value=f"{PREFIX}0001") is not None:
        return made.report()
    staff = Actor.staff(nurse.id, organisation_id=trust.id)
    rng = random.Random(SEED)  # noqa: S311 (demo data, the same every seed)
    planned = list(SHOWCASE) + _drawn(rng)
    today = today_in_norway()
    operated = [today - timedelta(days=plan.days_ago) for plan in planned]
    people = _patients(rng, planned, operated)
    made.counts["surveillance patients"] = len(people)
    for number, (plan, day, person) in enumerate(zip(planned, operated, people, strict=True),
                                                 start=1):
        data = _operation(rng, number, PROCEDURES[plan.category], day, person, trust)
        operation = create_operation(data=data, actor=HOSPITAL)
        made.counts["surveillance operations"] += 1
        case = db.session.scalar(sa.select(FollowUp).where(
            FollowUp.operation_id == operation.id))
        _live(case, plan, day, today, staff, made)
    return made.report()


def _drawn(rng: random.Random) -> list[Planned]:
    """Operations on each of the last ``SPAN_DAYS`` days, each with how its case goes.
    Infections are spread at each category's rate (an infection whenever the expected
    count passes the next whole one), so no stretch of days has many by chance."""
    planned = []
    expected = {key: rng.random() for key in PROCEDURES}
    infections = Counter()
    for days_ago in range(SPAN_DAYS, 0, -1):
        for key, procedure in PROCEDURES.items():
            for _ in range(_poisson(rng, procedure.per_day)):
                expected[key] += procedure.ssi_rate
                level = SSILevel.NONE
                if expected[key] >= 1:
                    expected[key] -= 1
                    level = LEVELS[infections[key] % len(LEVELS)]
                    infections[key] += 1
                planned.append(Planned(key, days_ago, _fate(rng, procedure, level)))
    return planned


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _fate(rng: random.Random, procedure: Procedure, level: SSILevel) -> Fate:
    reply = SIGNS_OF[level]
    if level is SSILevel.NONE and rng.random() < 0.1:
        reply = rng.choice(FALSE_ALARMS)
    elif level is SSILevel.NONE and rng.random() < 0.25:
        reply = MILD
    flagged = triage.assess(items(reply)).flagged
    handling = (ROUTINE_HANDLING if not flagged else
                CALM_HANDLING if level is SSILevel.NONE else
                rng.choice((FLAGGED_HANDLING, ASKED_HANDLING)))
    common = {"reply": reply, "level": level, "handling": handling,
              "onset_after": rng.randint(6, 24), "microorganism": rng.choice(MICROORGANISMS)}
    # She answers by herself, or (one in two of the others) on the phone when called;
    # an infection is always known.
    if level is not SSILevel.NONE or rng.random() < procedure.response_rate:
        return Fate(answers_after=rng.choices(range(len(ANSWER_DAYS)), ANSWER_DAYS)[0],
                    hour=rng.randint(8, 22),
                    channel=rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0],
                    **common)
    outcome = rng.choices((CallOutcome.ANSWERED_BY_PHONE, CallOutcome.NO_ANSWER,
                           CallOutcome.REACHED, CallOutcome.WRONG_NUMBER), (45, 30, 15, 10))[0]
    calls = {CallOutcome.ANSWERED_BY_PHONE: (Call(15, outcome, "Svarte på skjemaet i "
                                                               "telefonen."),),
             CallOutcome.NO_ANSWER: (Call(15, outcome), Call(18, CallOutcome.NO_ANSWER)),
             CallOutcome.REACHED: (Call(15, outcome, "Ønsker ikke å svare."),),
             CallOutcome.WRONG_NUMBER: (Call(15, outcome),)}[outcome]
    return Fate(answers_after=None, calls=calls,
                lost_after=None if outcome is CallOutcome.ANSWERED_BY_PHONE else 25, **common)


def _patients(rng: random.Random, planned: list[Planned], operated: list[date]) -> list[Person]:
    """One patient an operation, registered in one go, with synthetic identity numbers."""
    registrations, used = [], Counter()
    for plan, day in zip(planned, operated, strict=True):
        procedure = PROCEDURES[plan.category]
        woman = rng.random() < procedure.women
        age = rng.randint(*procedure.ages)
        birth = day - timedelta(days=round(age * 365.25) + rng.randint(0, 364))
        number = generate_national_id(birth, FIRST_INDEX + used[birth], synthetic=True)
        used[birth] += 1
        registrations.append(Registration(
            parse_national_id(number, allow_synthetic=True),
            rng.choice(WOMEN if woman else MEN), rng.choice(FAMILY_NAMES), None, MOBILE))
    people = [person for person, _created in register_people(registrations=registrations,
                                                             actor=SEEDER)]
    # Their history's answers were received days ago; a receipt of each (not essential)
    # going out at seed time would be 200 messages of the past on the dev messages page.
    db.session.add_all([NotificationSettings(person_id=person.id, channels=ChannelChoice.SMS,
                                             non_essential=False) for person in people])
    db.session.flush()
    return people


def _operation(rng: random.Random, number: int, procedure: Procedure, day: date,
               person: Person, trust: Organisation) -> OperationData:
    endoscopic = procedure.open_code is None or (
        procedure.endoscopic_code is not None and rng.random() < procedure.endoscopic)
    code, display = procedure.endoscopic_code if endoscopic else procedure.open_code
    mean, spread = procedure.minutes
    return OperationData(
        identifier_system=SYSTEM, identifier_value=f"{PREFIX}{number:04d}",
        status=OperationStatus.COMPLETED, person_id=person.id, category=procedure.category,
        procedure_code=code, procedure_display=display,
        performed_at=_at(day, rng.randint(8, 15), rng.choice((0, 15, 30, 45))),
        duration_minutes=max(15, round(rng.gauss(mean, spread))),
        asa_class=rng.choices((1, 2, 3, 4), procedure.asa)[0],
        wound_class=rng.choices((1, 2, 3, 4), procedure.wound_class)[0],
        emergency=rng.random() < procedure.emergency, antibiotic_prophylaxis=True,
        endoscopic=endoscopic, implant=procedure.implant,
        discharged_on=day + timedelta(days=rng.randint(*procedure.stay_days)),
        organisation_id=trust.id, unit_id=None, reported={})


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), NORWAY).astimezone(UTC)


def _live(case: FollowUp, plan: Planned, operated: date, today: date, staff: Actor,
          made: Made) -> None:
    """Take the case's steps of the days before today, each at its moment."""
    fate, invited = plan.fate, case.due_on
    if invited >= today:
        return
    states.move(case, CaseState.INVITED, actor=FOLLOW_UP)
    case.invited_at = _at(invited, 10)
    answered = (invited + timedelta(days=fate.answers_after)
                if fate.answers_after is not None else None)
    for reminder, days in enumerate(REMINDER_DAYS, start=1):
        day = invited + timedelta(days=days)
        if day >= today or (answered is not None and answered <= day):
            break
        states.move(case, CaseState.REMINDED, actor=FOLLOW_UP)
        case.reminders_sent, case.last_reminded_at = reminder, _at(day, 10)
    db.session.flush()
    if answered is not None:
        if answered < today:
            # Not before the invitation went, at 10.
            moment = _at(answered, fate.hour if answered > invited else max(fate.hour, 11))
            answers.save(case_id=case.id, response=response(case, fate.reply), final=True,
                         channel=fate.channel, actor=_answering(case, fate.channel),
                         now=moment)
            made.counts["surveillance answers"] += 1
            _handle(case, plan, answered, operated, today, staff, made)
        return
    non_responder = invited + timedelta(days=NON_RESPONDER_DAYS)
    if non_responder >= today:
        return
    states.move(case, CaseState.NON_RESPONDER, actor=FOLLOW_UP)
    for call in fate.calls:
        day = invited + timedelta(days=call.after)
        if day >= today:
            return
        by_phone = call.outcome is CallOutcome.ANSWERED_BY_PHONE
        note = review.record_call(case_id=case.id, outcome=call.outcome, text=call.text,
                                  version=case.version_id, actor=staff,
                                  response=response(case, fate.reply) if by_phone else None)
        note.written_at = _at(day, 11)
        made.counts["surveillance notes and calls"] += 1
        if by_phone:
            _answered_at(case, note.written_at)
            made.counts["surveillance answers"] += 1
            _handle(case, plan, day, operated, today, staff, made)
            return
    if fate.lost_after is not None and invited + timedelta(days=fate.lost_after) < today:
        review.transition(case_id=case.id, to=CaseState.LOST, version=case.version_id,
                          actor=staff)


def _answering(case: FollowUp, channel: AnswerChannel) -> Actor:
    if channel is AnswerChannel.HELSENORGE:
        return HELSENORGE
    if channel is AnswerChannel.SMS:
        return inbound_actor(case)
    return Actor.person(case.person_id)


def _answered_at(case: FollowUp, moment: datetime) -> None:
    """Her answer taken on the phone, moved to the call's moment."""
    answer = db.session.scalar(sa.select(Answer).where(Answer.follow_up_id == case.id))
    answer.saved_at = answer.submitted_at = case.answered_at = moment
    db.session.flush()


def _handle(case: FollowUp, plan: Planned, answered: date, operated: date, today: date,
            staff: Actor, made: Made) -> None:
    """Staff's steps after her answer, on their days before today."""
    for order, step in enumerate(plan.fate.handling):
        day = answered + timedelta(days=1 + step.after)
        if day >= today:
            return
        moment = _at(day, 9 + order % 6)
        if step.kind == CLASSIFY:
            stored = classification.classify(
                case_id=case.id, decision=_decision(plan, case, operated), version=case.version_id,
                actor=staff)
            stored.classified_at = moment
            made.counts["surveillance classifications"] += 1
        else:
            review.transition(case_id=case.id, to=MOVES[step.kind], version=case.version_id,
                              actor=staff)
        if step.note is not None:
            topic, text = step.note
            note = review.add_note(case_id=case.id, topic=topic, text=text,
                                   version=case.version_id, actor=staff)
            note.written_at = moment
            made.counts["surveillance notes and calls"] += 1
    db.session.flush()


def _decision(plan: Planned, case: FollowUp, operated: date) -> classification.Decision:
    """What staff decided, on findings that meet the level's criterion (the proposal
    agrees, so no override is needed); found in hospital when it began before discharge,
    else at a readmission (deep, organ/space) or after discharge."""
    fate = plan.fate
    level = fate.level
    if level is SSILevel.NONE:
        return classification.Decision(level=level,
                                       consequences=classification.Consequences())
    onset = operated + timedelta(days=fate.onset_after)
    layer = {SSILevel.SUPERFICIAL: Layer.SUPERFICIAL, SSILevel.DEEP: Layer.DEEP,
             SSILevel.ORGAN_SPACE: Layer.ORGAN_SPACE}[level]
    findings = {
        SSILevel.SUPERFICIAL: Findings(purulent_from=frozenset({layer}), local_signs=True,
                                       pain=True),
        SSILevel.DEEP: Findings(purulent_from=frozenset({layer}), opened=Opening.SPONTANEOUS,
                                opened_layer=Layer.DEEP, fever=True, pain=True),
        SSILevel.ORGAN_SPACE: Findings(evidence=layer, evidence_by=frozenset(
            {Evidence.IMAGING, Evidence.REOPERATION}), fever=True, pain=True),
    }[level]
    findings = replace(findings, culture=Culture.POSITIVE, culture_from=layer, onset_on=onset)
    deep = level is not SSILevel.SUPERFICIAL
    detected = (Detection.IN_HOSPITAL if onset <= case.operation.discharged_on else
                Detection.READMISSION if deep else Detection.AFTER_DISCHARGE)
    return classification.Decision(
        level=level, onset_on=onset, microorganism=fate.microorganism, findings=findings,
        organ_site=PROCEDURES[plan.category].organ_site if level is SSILevel.ORGAN_SPACE
        else None, detected=detected,
        consequences=classification.Consequences(
            readmitted=detected is Detection.READMISSION,
            reoperated=level is SSILevel.ORGAN_SPACE))
