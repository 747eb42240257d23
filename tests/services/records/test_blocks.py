"""Her blocks and her online access (services/records/blocks.py): set, idempotent, lifted;
each change a receipt and an audit row; what is not hers, or not known, is not found."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.audit.models import AuditEvent
from services.clock import utcnow
from services.db import db
from services.people import receipts
from services.people.models import Role
from services.records import blocks
from services.records.access import online_access_removed
from services.records.models import Block, BlockKind, OnlineAccessRemoval
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.records.factories import make_document


@pytest.fixture
def kari(db, frozen_clock):
    return make_person(given_name="Kari")


@pytest.fixture
def hospital(db):
    return make_organisation()


def audit_rows(person):
    return [tuple(row) for row in db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.resource_type, AuditEvent.resource_id,
                  AuditEvent.purpose)
        .where(AuditEvent.subject_person_id == person.id, AuditEvent.resource_type == "Consent")
        .order_by(AuditEvent.id))]


def changes(person):
    return [(r.change, r.details) for r in reversed(receipts.history(person_id=person.id))]


def test_each_kind_of_block_is_set_with_a_receipt_and_an_audit_row(kari, hospital):
    me = Actor.person(kari.id)
    document = make_document(kari, hospital)
    staff = make_staff(hospital, Role.ADMIN, hpr_number="1234567")
    made = [
        blocks.add_block(person_id=kari.id, kind=BlockKind.DOCUMENT, document_id=document.id,
                         actor=me),
        blocks.add_block(person_id=kari.id, kind=BlockKind.ORGANISATION,
                         organisation_id=hospital.id, actor=me),
        blocks.add_block(person_id=kari.id, kind=BlockKind.STAFF, staff_id=staff.id, actor=me),
        blocks.add_block(person_id=kari.id, kind=BlockKind.EVERYTHING, actor=me),
    ]
    assert all(created for _, created in made)
    [doc_block, org_block, staff_block, all_block] = [b for b, _ in made]
    assert (doc_block.document_id, org_block.organisation_id, staff_block.staff_id) == (
        document.id, hospital.id, staff.id)
    assert doc_block.created_by == f"person:{kari.id}" and doc_block.lifted_at is None
    assert changes(kari) == [
        ("block-added", {"block_id": doc_block.id, "kind": "document",
                         "document_id": document.id}),
        ("block-added", {"block_id": org_block.id, "kind": "organisation",
                         "organisation_id": hospital.id}),
        ("block-added", {"block_id": staff_block.id, "kind": "staff", "staff_id": staff.id}),
        ("block-added", {"block_id": all_block.id, "kind": "everything"}),
    ]
    assert audit_rows(kari) == [("create", "Consent", f"block/{b.id}", "self-service")
                                for b, _ in made]


def test_an_active_identical_block_is_the_same_block(kari, hospital):
    me = Actor.person(kari.id)
    first, created = blocks.add_block(person_id=kari.id, kind="organisation",
                                      organisation_id=hospital.id, actor=me)
    again, created_again = blocks.add_block(person_id=kari.id, kind="organisation",
                                            organisation_id=hospital.id, actor=me)
    assert created and not created_again and again.id == first.id
    assert len(changes(kari)) == 1
    everything, _ = blocks.add_block(person_id=kari.id, kind="everything", actor=me)
    assert blocks.add_block(person_id=kari.id, kind="everything", actor=me) == (everything, False)
    # Another organisation is another block; a lifted one does not count.
    other = make_organisation(name="Helse Bergen HF", org_number="983974910")
    assert blocks.add_block(person_id=kari.id, kind="organisation", organisation_id=other.id,
                            actor=me)[1]
    blocks.lift_block(person_id=kari.id, block_id=first.id, actor=me)
    renewed, created = blocks.add_block(person_id=kari.id, kind="organisation",
                                        organisation_id=hospital.id, actor=me)
    assert created and renewed.id != first.id


def test_lifting_ends_a_block_once(kari, hospital, frozen_clock):
    me = Actor.person(kari.id)
    block, _ = blocks.add_block(person_id=kari.id, kind="everything", actor=me)
    frozen_clock.shift(timedelta(hours=1))
    lifted = blocks.lift_block(person_id=kari.id, block_id=block.id, actor=me)
    assert lifted.lifted_at == utcnow() and lifted.lifted_by == f"person:{kari.id}"
    again = blocks.lift_block(person_id=kari.id, block_id=block.id, actor=me)
    assert again.lifted_at == lifted.lifted_at
    assert [c for c, _ in changes(kari)] == ["block-added", "block-lifted"]
    assert [a for a, *_ in audit_rows(kari)] == ["create", "update"]


def test_someone_acting_for_her_sets_blocks_in_her_name(kari, hospital):
    helper = make_person(given_name="Hjelper")
    actor = Actor.person(helper.id, on_behalf_of=kari.id)
    block, _ = blocks.add_block(person_id=kari.id, kind="everything", actor=actor)
    assert block.created_by == f"person:{helper.id}/for:{kari.id}"
    [receipt] = receipts.history(person_id=kari.id)
    assert (receipt.actor_kind, receipt.actor_id) == ("person", str(helper.id))


@pytest.mark.parametrize("actor_of", [
    lambda kari, other: Actor.person(other.id),
    lambda kari, other: Actor.person(other.id, on_behalf_of=other.id + 1000),
    lambda kari, other: Actor.person(kari.id, on_behalf_of=other.id),
    lambda kari, other: Actor.staff(1, organisation_id=None),
    lambda kari, other: Actor.system("helsenorge"),
], ids=["another citizen", "acting for a third", "herself acting for another", "staff",
        "a system"])
def test_only_she_or_someone_acting_for_her_may(kari, hospital, actor_of):
    other = make_person(given_name="Annen")
    actor = actor_of(kari, other)
    with pytest.raises(blocks.NotActingForHer):
        blocks.add_block(person_id=kari.id, kind="everything", actor=actor)
    with pytest.raises(blocks.NotActingForHer):
        blocks.remove_online_access(person_id=kari.id, actor=actor)
    with pytest.raises(blocks.NotActingForHer):
        blocks.blocks_of(person_id=kari.id, actor=actor)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Block)) == 0


def test_a_document_she_cannot_see_cannot_be_named(kari, hospital):
    me = Actor.person(kari.id)
    other = make_person(given_name="Annen")
    theirs = make_document(other, hospital)
    withheld = make_document(kari, hospital, withheld=True)
    later = make_document(kari, hospital, release_after=utcnow() + timedelta(days=1))
    wrong = make_document(kari, hospital, status="entered-in-error")
    for document_id in (theirs.id, withheld.id, later.id, wrong.id, 2_000_000_000):
        with pytest.raises(blocks.NotFound):
            blocks.add_block(person_id=kari.id, kind="document", document_id=document_id,
                             actor=me)
    assert changes(kari) == []


def test_unknown_organisation_or_staff_is_not_found(kari, hospital):
    me = Actor.person(kari.id)
    with pytest.raises(blocks.NotFound):
        blocks.add_block(person_id=kari.id, kind="organisation", organisation_id=999_999,
                         actor=me)
    with pytest.raises(blocks.NotFound):
        blocks.add_block(person_id=kari.id, kind="staff", staff_id=999_999, actor=me)


def test_any_known_organisation_can_be_blocked_not_only_those_holding_her_documents(kari):
    elsewhere = make_organisation(name="Helse Bergen HF", org_number="983974910")
    block, created = blocks.add_block(person_id=kari.id, kind="organisation",
                                      organisation_id=elsewhere.id, actor=Actor.person(kari.id))
    assert created and block.organisation_id == elsewhere.id


@pytest.mark.parametrize("kind, targets, message", [
    ("everything", {"document_id": 1}, "an everything block names no document_id"),
    ("document", {}, "a document block needs document_id"),
    ("document", {"document_id": 1, "staff_id": 2}, "a document block names no staff_id"),
    ("organisation", {"staff_id": 2}, "an organisation block names no staff_id"),
    ("staff", {"organisation_id": 1}, "a staff block names no organisation_id"),
    ("staff", {}, "a staff block needs staff_id"),
])
def test_a_block_names_what_its_kind_needs_and_nothing_else(kari, kind, targets, message):
    with pytest.raises(blocks.InvalidBlock, match=message):
        blocks.add_block(person_id=kari.id, kind=kind, actor=Actor.person(kari.id), **targets)


def test_an_unknown_kind_is_refused(kari):
    with pytest.raises(ValueError):
        blocks.add_block(person_id=kari.id, kind="nothing", actor=Actor.person(kari.id))


def test_her_blocks_are_listed_active_first_with_titles_she_may_see(kari, hospital,
                                                                     frozen_clock):
    me = Actor.person(kari.id)
    shown = make_document(kari, hospital, title="Epikrise mars")
    hidden_later = make_document(kari, hospital, title="Notat")
    lifted, _ = blocks.add_block(person_id=kari.id, kind="everything", actor=me)
    frozen_clock.shift(timedelta(minutes=1))
    blocks.lift_block(person_id=kari.id, block_id=lifted.id, actor=me)
    first, _ = blocks.add_block(person_id=kari.id, kind="document", document_id=shown.id,
                                actor=me)
    frozen_clock.shift(timedelta(minutes=1))
    second, _ = blocks.add_block(person_id=kari.id, kind="document",
                                 document_id=hidden_later.id, actor=me)
    # The hospital withholds it after she blocked it: its title is no longer hers to see.
    hidden_later.withheld_from_patient = True
    db.session.commit()
    listed = blocks.blocks_of(person_id=kari.id, actor=me)
    assert [(item.block.id, item.document_title, item.is_active) for item in listed] == [
        (second.id, None, True), (first.id, "Epikrise mars", True), (lifted.id, None, False)]
    assert [item.block.id for item in blocks.blocks_of(person_id=kari.id, actor=me,
                                                       include_lifted=False)] == [
        second.id, first.id]
    assert audit_rows(kari)[-1] == ("search", "Consent", None, "self-service")


def test_one_block_is_read_by_its_owner_only(kari, hospital):
    me = Actor.person(kari.id)
    other = make_person(given_name="Annen")
    block, _ = blocks.add_block(person_id=kari.id, kind="everything", actor=me)
    assert blocks.block_of(person_id=kari.id, block_id=block.id, actor=me).block.id == block.id
    assert audit_rows(kari)[-1] == ("read", "Consent", f"block/{block.id}", "self-service")
    with pytest.raises(blocks.NotFound):
        blocks.block_of(person_id=other.id, block_id=block.id, actor=Actor.person(other.id))
    with pytest.raises(blocks.NotFound):
        blocks.lift_block(person_id=other.id, block_id=block.id, actor=Actor.person(other.id))
    assert db.session.get(Block, block.id).lifted_at is None


def test_removing_and_restoring_her_online_access(kari, hospital, frozen_clock):
    me = Actor.person(kari.id)
    assert blocks.restore_online_access(person_id=kari.id, actor=me) is None
    removal, created = blocks.remove_online_access(person_id=kari.id, actor=me)
    assert created and online_access_removed(kari.id)
    assert blocks.remove_online_access(person_id=kari.id, actor=me) == (removal, False)
    assert blocks.current_removal(person_id=kari.id) == removal
    frozen_clock.shift(timedelta(days=2))
    restored = blocks.restore_online_access(person_id=kari.id, actor=me)
    assert restored.id == removal.id and restored.restored_at == utcnow()
    assert restored.restored_by == f"person:{kari.id}"
    assert not online_access_removed(kari.id)
    assert blocks.current_removal(person_id=kari.id) is None
    assert changes(kari) == [("online-access-removed", {"removal_id": removal.id}),
                             ("online-access-restored", {"removal_id": removal.id})]
    assert [(a, r) for a, _, r, _ in audit_rows(kari)] == [
        ("create", f"online-access/{removal.id}"), ("update", f"online-access/{removal.id}")]


def test_restoring_ends_every_removal_in_force(kari):
    for _ in range(2):  # as a race between two removals could leave them
        db.session.add(OnlineAccessRemoval(person_id=kari.id, removed_by="person:x"))
    db.session.commit()
    blocks.restore_online_access(person_id=kari.id, actor=Actor.person(kari.id))
    assert not online_access_removed(kari.id)


def test_organisations_holding_her_documents(kari, hospital):
    unit = make_organisation(name="Barneklinikken", org_number="974749025")
    bergen = make_organisation(name="Helse Bergen HF", org_number="983974910")
    make_organisation(name="Helse Nord RHF", org_number="883658752")
    make_document(kari, hospital, unit=unit)
    make_document(kari, bergen, withheld=True)  # she cannot see it: Bergen is not offered
    assert [o.name for o in blocks.organisations_holding(person_id=kari.id)] == [
        "Barneklinikken", "St. Olavs hospital HF"]
    assert blocks.organisations_holding(person_id=make_person().id) == []


def test_finding_organisations_and_staff_by_number(hospital):
    staff = make_staff(hospital, Role.ADMIN, hpr_number="1234567")
    assert blocks.find_organisation(org_number="883 974 832") == hospital
    assert blocks.find_organisation(org_number="88397483") is None
    assert blocks.find_organisation(org_number="x" * 9) is None
    assert blocks.find_organisation(org_number="974749025") is None
    assert blocks.find_staff(hpr_number="123 4567") == staff
    assert blocks.find_staff(hpr_number="12345") is None
    assert blocks.find_staff(hpr_number="9999999") is None
