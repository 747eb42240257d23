"""services/records/ingest.py: creates, updates, corrections, and the notice to the patient
(once; at once or at the release time; never for what she cannot read)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.db import db
from services.notify.models import Notification
from services.records.content import check
from services.records.documents import listed
from services.records.ingest import (
    RELEASE_LOOKBACK,
    AlreadyExists,
    DocumentData,
    IngestError,
    create_document,
    notice_key,
    send_release_notices,
    update_document,
)
from services.records.models import DocumentKind, DocumentStatus
from tests.plugins.factories import make_organisation, make_person
from tests.services.records.factories import remove_online_access

HOSPITAL = Actor.system("dips")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def woman(db):
    return make_person()


def data(person, hospital, identifier="D-1", **changes) -> DocumentData:
    values = dict(identifier_system="urn:test", identifier_value=identifier,
                  person_id=person.id, organisation_id=hospital.id,
                  kind=DocumentKind.LETTER, title="Brev", document_date=NOW - timedelta(days=1),
                  content=check(declared="text/plain", data=b"Hei"))
    values.update(changes)
    return DocumentData(**values)


def notices(person) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(
        Notification.person_id == person.id, Notification.event == "records.document-new")))


def test_a_create_is_audited_and_announced(frozen_clock, hospital, woman):
    document = create_document(data=data(woman, hospital), actor=HOSPITAL)
    [row] = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "DocumentReference")).all()
    assert (row.action, row.resource_id, row.subject_person_id, row.purpose) == (
        "create", str(document.id), woman.id, "records")
    assert len(notices(woman)) == 1


def test_a_create_of_a_stored_identifier_is_already_exists(frozen_clock, hospital, woman):
    create_document(data=data(woman, hospital), actor=HOSPITAL)
    with pytest.raises(AlreadyExists):
        create_document(data=data(woman, hospital), actor=HOSPITAL)


def test_an_update_that_changes_nothing_makes_no_new_version(frozen_clock, hospital, woman):
    document = create_document(data=data(woman, hospital), actor=HOSPITAL)
    db.session.commit()
    update_document(document_id=document.id, data=data(woman, hospital, content=None),
                    actor=HOSPITAL)
    db.session.commit()
    assert document.version_id == 1
    update_document(document_id=document.id, data=data(woman, hospital, title="Nytt"),
                    actor=HOSPITAL)
    db.session.commit()
    assert document.version_id == 2


def test_the_custodian_and_identifier_cannot_change(frozen_clock, hospital, woman):
    document = create_document(data=data(woman, hospital), actor=HOSPITAL)
    other = make_organisation(name="Helse Bergen HF", org_number="983974910")
    with pytest.raises(IngestError, match="custodian"):
        update_document(document_id=document.id, data=data(woman, other), actor=HOSPITAL)
    with pytest.raises(IngestError, match="identifier"):
        update_document(document_id=document.id, data=data(woman, hospital, identifier="D-2"),
                        actor=HOSPITAL)


def test_a_correction_chain_cannot_loop(frozen_clock, hospital, woman):
    first = create_document(data=data(woman, hospital, "A"), actor=HOSPITAL)
    second = create_document(data=data(woman, hospital, "B", replaces_id=first.id),
                             actor=HOSPITAL)
    third = create_document(data=data(woman, hospital, "C", replaces_id=second.id),
                            actor=HOSPITAL)
    assert (first.status, second.status, third.status) == (
        DocumentStatus.SUPERSEDED, DocumentStatus.SUPERSEDED, DocumentStatus.CURRENT)
    with pytest.raises(IngestError, match="correction of itself"):
        update_document(document_id=first.id, data=data(
            woman, hospital, "A", replaces_id=third.id, status=DocumentStatus.SUPERSEDED),
            actor=HOSPITAL)
    with pytest.raises(IngestError, match="itself"):
        update_document(document_id=first.id, data=data(woman, hospital, "A",
                                                        replaces_id=first.id), actor=HOSPITAL)


def test_a_new_document_naming_the_id_it_gets_is_refused_as_replacing_itself(
        frozen_clock, hospital, woman):
    """Ids are predictable (a sequence): the one a new document is about to get must not
    link it to itself (it did, and the flush failed with a 500)."""
    first = create_document(data=data(woman, hospital, "A"), actor=HOSPITAL)
    db.session.commit()
    with pytest.raises(IngestError, match="itself"):
        create_document(data=data(woman, hospital, "B", replaces_id=first.id + 1),
                        actor=HOSPITAL)


def test_no_notice_while_she_has_removed_her_online_access(frozen_clock, hospital, woman):
    remove_online_access(woman)
    create_document(data=data(woman, hospital), actor=HOSPITAL)
    assert notices(woman) == []


def test_no_notice_for_a_withheld_document_even_at_its_release_time(frozen_clock, hospital,
                                                                    woman):
    release = NOW + timedelta(days=2)
    create_document(data=data(woman, hospital, withheld_from_patient=True,
                              release_after=release), actor=HOSPITAL)
    assert send_release_notices(now=release) == 0
    assert notices(woman) == []


def test_release_notices_at_the_release_time_and_within_the_look_back(frozen_clock, hospital,
                                                                      woman):
    release = NOW + timedelta(days=2)
    create_document(data=data(woman, hospital, "A", release_after=release), actor=HOSPITAL)
    late = release + RELEASE_LOOKBACK
    # A day after it (the look-back's edge, exclusive) it is no longer looked for ...
    assert send_release_notices(now=late) == 0
    # ... a moment before that edge it is.
    assert send_release_notices(now=late - timedelta(seconds=1)) == 1
    assert send_release_notices(now=late - timedelta(seconds=1)) == 0
    [notice] = notices(woman)
    assert notice.actor.startswith("system")


def test_a_document_announced_on_arrival_is_not_announced_again_at_release(
        frozen_clock, hospital, woman):
    earlier = NOW - timedelta(hours=1)
    create_document(data=data(woman, hospital, release_after=earlier), actor=HOSPITAL)
    assert len(notices(woman)) == 1
    assert send_release_notices(now=NOW) == 0
    assert len(notices(woman)) == 1


def test_new_documents_of_one_day_are_one_notice(frozen_clock, hospital, woman):
    for identifier in ("A", "B", "C"):
        create_document(data=data(woman, hospital, identifier), actor=HOSPITAL)
        frozen_clock.shift(timedelta(hours=1))
    assert len(notices(woman)) == 1


def test_after_she_has_looked_a_new_document_that_day_is_told_of_again(frozen_clock,
                                                                       hospital, woman):
    create_document(data=data(woman, hospital, "A"), actor=HOSPITAL)
    # Someone acting for her looking is not her looking.
    frozen_clock.shift(timedelta(hours=1))
    listed(person_id=woman.id, actor=Actor.person(woman.id + 1000, on_behalf_of=woman.id),
           documents=[])
    frozen_clock.shift(timedelta(hours=1))
    create_document(data=data(woman, hospital, "B"), actor=HOSPITAL)
    assert len(notices(woman)) == 1
    listed(person_id=woman.id, actor=Actor.person(woman.id), documents=[])
    frozen_clock.shift(timedelta(hours=1))
    create_document(data=data(woman, hospital, "C"), actor=HOSPITAL)
    create_document(data=data(woman, hospital, "D"), actor=HOSPITAL)
    assert len(notices(woman)) == 2


@pytest.mark.parametrize(("second_at", "told"), [
    # Midnight in Oslo (winter: 23.00 UTC) starts the next day's notice.
    (datetime(2026, 3, 2, 22, 59, 59, tzinfo=UTC), 1),
    (datetime(2026, 3, 2, 23, 0, tzinfo=UTC), 2),
])
def test_the_next_norwegian_day_brings_its_own_notice(frozen_clock, hospital, woman,
                                                      second_at, told):
    create_document(data=data(woman, hospital, "A"), actor=HOSPITAL)
    frozen_clock.move_to(second_at)
    create_document(data=data(woman, hospital, "B"), actor=HOSPITAL)
    assert len(notices(woman)) == told


def test_a_released_document_is_told_of_once_though_the_day_was_told_already(
        frozen_clock, hospital, woman):
    """The release job counts it as told (``announced_at``) even when the day's notice had
    gone: it does not try it again on every run."""
    release = NOW + timedelta(hours=2)
    create_document(data=data(woman, hospital, "A"), actor=HOSPITAL)
    later = create_document(data=data(woman, hospital, "B", release_after=release),
                            actor=HOSPITAL)
    assert later.announced_at is None
    assert send_release_notices(now=release) == 1
    assert later.announced_at == release
    assert send_release_notices(now=release + timedelta(minutes=5)) == 0
    assert len(notices(woman)) == 1


def test_telling_her_changes_neither_the_version_nor_last_updated(frozen_clock, hospital,
                                                                 woman):
    document = create_document(data=data(woman, hospital), actor=HOSPITAL)
    db.session.commit()
    db.session.expire_all()
    assert (document.version_id, document.updated_at, document.announced_at) == (1, NOW, NOW)


def test_the_notice_key_names_her_oslo_day_and_her_last_look(frozen_clock, hospital, woman):
    """The key is stored with every notice (its idempotency): what it reads must not change
    between releases, or a day already told would be told again."""
    evening = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 3 March, 00.30 in Oslo
    assert notice_key(woman.id, now=NOW) == f"record-documents:{woman.id}:new:2026-03-02"
    assert notice_key(woman.id, now=evening) == f"record-documents:{woman.id}:new:2026-03-03"
    frozen_clock.move_to(datetime(2026, 3, 2, 9, 15, 7, 250000, tzinfo=UTC))
    listed(person_id=woman.id, actor=Actor.person(woman.id), documents=[])
    assert notice_key(woman.id, now=evening) == (
        f"record-documents:{woman.id}:new:2026-03-03:seen-20260302T091507")
