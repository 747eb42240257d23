"""Her access log (services/records/access_log.py): who, with names, roles, organisations,
bases and reasons; her own actions left out; the period; keyset paging, and on PostgreSQL
a plan that reads her rows through the subject index with 10,000 of them in the trail."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.audit.models import AuditEvent
from services.clients.models import SystemClient
from services.db import db
from services.people.models import Fullmakt, Role
from services.people.representation import Basis
from services.people.service import add_organisation, record_guardianship
from services.records import access_log
from services.records.access_log import KEYS, Who
from tests.plugins.factories import make_organisation, make_person, make_staff

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def her(hospital):
    return make_person(date(1980, 5, 5), given_name="Kari", family_name="Nordmann")


def _record(frozen_clock, moment: datetime, actor: Actor, subject, **fields):
    frozen_clock.move_to(moment)
    event = audit.record(actor=actor, action=fields.pop("action", "read"),
                         resource_type=fields.pop("resource_type", "DocumentReference"),
                         resource_id=fields.pop("resource_id", 7),
                         subject_person_id=subject.id,
                         purpose=fields.pop("purpose", "treatment"), **fields)
    db.session.commit()
    return event


def _client(name: str, *, organisation=None, client_id: str) -> SystemClient:
    client = SystemClient(client_id=client_id, name=name, scopes="system/*.rs",
                          auth_method="client_secret_basic",
                          organisation_id=organisation.id if organisation else None)
    db.session.add(client)
    db.session.commit()
    return client


def _entries(subject, **period) -> list[access_log.Entry]:
    """Her entries about documents (registering her and her relations is logged too)."""
    events = db.session.scalars(access_log.statement(subject_id=subject.id, **period)
                                .where(AuditEvent.resource_type == "DocumentReference")
                                .order_by(*(k.desc() for k in KEYS))).all()
    return access_log.describe(events, subject_id=subject.id)


def test_each_party_is_named_and_her_own_actions_are_left_out(frozen_clock, hospital, her):
    unit = add_organisation(name="Kvinneklinikken", org_number="974749025", parent=hospital)
    doctor = make_staff(unit, Role.ULTRASOUND_CLINIC, Role.RECORDS_OFFICER, name="Lege Lise",
                        hpr_number="1234567")
    child = make_person(date(2020, 1, 1), given_name="Lille")
    record_guardianship(guardian=her, child=child, shares_address=True,
                        actor=Actor.system("hospital-system"))
    holder = make_person(date(1970, 1, 1), given_name="Fullmektig", family_name="Hansen")
    db.session.add(Fullmakt(giver=her, recipient=holder, areas=["records"],
                            starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)))
    stranger = make_person(given_name="Fremmed")
    _client("helsenorge", client_id="helsenorge")
    _client("DIPS Arena", organisation=hospital, client_id="dips")

    _record(frozen_clock, T0, Actor.staff(doctor.id, organisation_id=unit.id), her,
            reason="Tilsyn for annen avdeling")
    _record(frozen_clock, T0 + timedelta(minutes=1), Actor.person(holder.id, on_behalf_of=her.id),
            her, purpose="self-service")
    _record(frozen_clock, T0 + timedelta(minutes=2), Actor.system("helsenorge"), her,
            purpose="patient-access")
    _record(frozen_clock, T0 + timedelta(minutes=3), Actor.system("dips"), her, action="create",
            purpose="system-integration")
    _record(frozen_clock, T0 + timedelta(minutes=4), Actor.person(her.id), her,
            purpose="self-service")  # her own: not in her log
    _record(frozen_clock, T0 + timedelta(minutes=5), Actor.person(her.id, on_behalf_of=child.id),
            child, purpose="self-service")  # in the child's log, not hers
    _record(frozen_clock, T0 + timedelta(minutes=6), Actor.staff(doctor.id,
                                                                 organisation_id=unit.id),
            stranger)

    dips, helsenorge, holders, doctors = _entries(her)
    assert (doctors.who, doctors.name, doctors.hpr_number, doctors.roles) == (
        Who.STAFF, "Lege Lise", "1234567", (Role.RECORDS_OFFICER, Role.ULTRASOUND_CLINIC))
    assert doctors.organisation.name == "Kvinneklinikken" and doctors.may_ask
    assert (doctors.reason, doctors.purpose, doctors.action) == (
        "Tilsyn for annen avdeling", "treatment", "read")
    assert (holders.who, holders.person.id, holders.basis) == (
        Who.REPRESENTATIVE, holder.id, Basis.FULLMAKT)
    assert not holders.may_ask
    assert (helsenorge.who, helsenorge.name, helsenorge.organisation) == (
        Who.SYSTEM, "helsenorge", None)
    assert (dips.name, dips.organisation.id, dips.action) == ("DIPS Arena", hospital.id, "create")
    [parent] = _entries(child)
    assert (parent.who, parent.person.id, parent.basis) == (Who.REPRESENTATIVE, her.id,
                                                            Basis.GUARDIAN)


def test_unknown_parties_are_still_entries(frozen_clock, her):
    _record(frozen_clock, T0, Actor.system("retired-client"), her)
    _record(frozen_clock, T0, Actor.staff(999_999, organisation_id=None), her)
    _record(frozen_clock, T0, Actor.person(999_998), her)
    other, staff, system = _entries(her)
    assert (system.who, system.name, system.client_id) == (Who.SYSTEM, None, "retired-client")
    assert (staff.who, staff.name, staff.organisation, staff.may_ask) == (
        Who.STAFF, None, None, False)
    assert (other.who, other.person, other.basis) == (Who.PERSON, None, None)


def test_the_period_is_half_open_and_by_the_instant(frozen_clock, hospital, her):
    nurse = make_staff(hospital, Role.ULTRASOUND_CLINIC)
    actor = Actor.staff(nurse.id, organisation_id=hospital.id)
    midnight = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)  # 2 March 00:00 in Oslo
    for moment in (midnight - timedelta(microseconds=1), midnight,
                   midnight + timedelta(days=1) - timedelta(microseconds=1),
                   midnight + timedelta(days=1)):
        _record(frozen_clock, moment, actor, her)
    day = _entries(her, since=midnight, until=midnight + timedelta(days=1))
    assert [e.occurred_at for e in day] == [midnight + timedelta(days=1, microseconds=-1),
                                           midnight]
    assert len(_entries(her, since=midnight)) == 3
    assert len(_entries(her, until=midnight)) == 1


def test_entries_for_audits_the_look_at_the_log(frozen_clock, hospital, her):
    nurse = make_staff(hospital, Role.ULTRASOUND_CLINIC)
    event = _record(frozen_clock, T0, Actor.staff(nurse.id, organisation_id=hospital.id), her)
    [entry] = access_log.entries_for(subject_id=her.id, events=[event],
                                     actor=Actor.person(her.id))
    assert entry.id == event.id
    look = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (look.action, look.resource_type, look.subject_person_id, look.purpose) == (
        "search", "AuditEvent", her.id, "self-service")
    assert [e.id for e in _entries(her)] == [event.id]  # her look is her own: not listed


def test_entry_of_is_none_outside_her_log(frozen_clock, hospital, her):
    nurse = make_staff(hospital, Role.ULTRASOUND_CLINIC)
    stranger = make_person()
    theirs = _record(frozen_clock, T0, Actor.staff(nurse.id, organisation_id=hospital.id),
                     stranger)
    own = _record(frozen_clock, T0, Actor.person(her.id), her)
    assert access_log.entry_of(subject_id=her.id, event_id=theirs.id) is None
    assert access_log.entry_of(subject_id=her.id, event_id=own.id) is None
    assert access_log.entry_of(subject_id=her.id, event_id=10**9) is None


def _page(subject_id: int, after: tuple | None, limit: int = 50) -> sa.Select:
    query = access_log.statement(subject_id=subject_id)
    if after is not None:
        query = query.where(sa.tuple_(*KEYS) < sa.tuple_(*(sa.literal(v, k.type)
                                                        for k, v in zip(KEYS, after,
                                                                        strict=True))))
    return query.order_by(*(k.desc() for k in KEYS)).limit(limit + 1)


def test_keyset_pages_cover_the_log_once_newest_first(frozen_clock, hospital, her):
    nurse = make_staff(hospital, Role.ULTRASOUND_CLINIC)
    actor = Actor.staff(nurse.id, organisation_id=hospital.id)
    made = [_record(frozen_clock, T0 + timedelta(minutes=i // 2), actor, her).id
            for i in range(7)]  # pairs share their moment: the id breaks the tie
    seen, after = [], None
    while True:
        rows = db.session.scalars(_page(her.id, after, limit=3)).all()
        seen += [r.id for r in rows[:3]]
        if len(rows) <= 3:
            break
        after = (rows[2].occurred_at, rows[2].id)
    everything = db.session.scalars(sa.select(AuditEvent.id).where(
        AuditEvent.subject_person_id == her.id)).all()  # her registration, too
    assert seen == sorted(everything, reverse=True) and set(made) <= set(seen)


def test_on_postgresql_10000_entries_are_read_through_the_subject_index(db, frozen_clock,
                                                                         hospital, her):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    nurse = make_staff(hospital, Role.ULTRASOUND_CLINIC)
    others = [make_person() for _ in range(5)]
    rows = []
    for index in range(30_000):
        subject = her if index % 3 == 0 else others[index % 5]
        rows.append({"occurred_at": T0 - timedelta(seconds=index), "actor_kind": "staff",
                     "actor_id": str(nurse.id), "actor_organisation_id": hospital.id,
                     "subject_person_id": subject.id, "action": "read",
                     "resource_type": "DocumentReference", "resource_id": str(index),
                     "purpose": "treatment", "chain": 15, "prev_hash": "0" * 64,
                     "hash": f"{index:064x}"})
    db.session.execute(sa.insert(AuditEvent), rows)
    db.session.execute(sa.text("ANALYZE audit_events"))
    middle = db.session.execute(_page(her.id, None, limit=5000)).scalars().all()[-1]
    for after in (None, (middle.occurred_at, middle.id)):
        compiled = _page(her.id, after).compile(db.session.get_bind(),
                                                compile_kwargs={"literal_binds": True})
        plan = db.session.execute(sa.text(f"EXPLAIN (FORMAT JSON) {compiled}")).scalar()
        text = json.dumps(plan)
        # (Any index led by the subject: a later one on (subject, occurred_at, id) too.)
        assert "ix_audit_events_subject_person" in text, text
        assert '"Seq Scan"' not in text, text
    assert len(db.session.scalars(_page(her.id, (middle.occurred_at, middle.id))).all()) == 51
