"""What she keeps from whom: her blocks (sperring) and her own online access.

A block keeps one document, everything from one organisation, or everything from sharing
with other organisations and system clients, or keeps every document from one named staff
member (``services.records.access`` enforces them; this module only sets and lifts them).
She may also remove her own online access to the record, and restore it.

Each change writes a consent receipt (``services.people.receipts``) and an audit row in
the same transaction; the audit rows name the resource ``Consent`` (``block/<id>``,
``online-access/<id>``), as the FHIR Consent resource shows the blocks to systems.

Who may: she herself, or someone acting for her (the caller checks that the
representation covers records; here only that the actor is she or acts for her). An id
that is not hers, an organisation or staff member that is not known, or a document she
cannot see (withheld, not yet released, entered in error) is :class:`NotFound`: the
answer does not tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from services import audit
from services.actors import Actor, ActorKind
from services.audit.models import AuditEvent
from services.clock import utcnow
from services.db import db
from services.people import receipts
from services.people.models import Organisation, StaffMember
from services.records.access import Viewer, ViewerKind, visible
from services.records.models import Block, BlockKind, Document, OnlineAccessRemoval

PURPOSE = "self-service"
#: What each kind names, and the columns it must leave empty.
TARGETS = {
    BlockKind.DOCUMENT: "document_id",
    BlockKind.ORGANISATION: "organisation_id",
    BlockKind.STAFF: "staff_id",
    BlockKind.EVERYTHING: None,
}


class BlockError(Exception):
    """Base of this module's refusals."""


class NotFound(BlockError):
    """No such block, document, organisation or staff member, or not hers to know of."""


class InvalidBlock(BlockError):
    """The block names the wrong things for its kind (the message says which)."""


class NotActingForHer(BlockError):
    """The actor is neither she nor someone acting for her."""


@dataclass(frozen=True)
class ListedBlock:
    """A block as her pages show it: the document's title only while she can see it."""

    block: Block
    document_title: str | None = None

    @property
    def is_active(self) -> bool:
        return self.block.lifted_at is None


def actor_label(actor: Actor) -> str:
    """Who acted, as a block stores it (``person:12``, ``person:7/for:12``)."""
    label = actor.ref
    return label if actor.on_behalf_of is None else f"{label}/for:{actor.on_behalf_of}"


# -- reading -------------------------------------------------------------------------

def blocks_of(*, person_id: int, actor: Actor, include_lifted: bool = True,
              now: datetime | None = None) -> list[ListedBlock]:
    """Her blocks, active first, newest first within each (audited as one search)."""
    _acting_for_her(person_id, actor)
    found = list(db.session.scalars(
        sa.select(Block).where(Block.person_id == person_id,
                               *(() if include_lifted else (Block.lifted_at.is_(None),)))
        .order_by(Block.lifted_at.is_not(None), Block.created_at.desc(), Block.id.desc())))
    titles = _visible_titles(person_id, [b.document_id for b in found if b.document_id],
                             now=now or utcnow())
    audit.record(actor=actor, action="search", resource_type="Consent", resource_id=None,
                 subject_person_id=person_id, purpose=PURPOSE)
    return [ListedBlock(block, titles.get(block.document_id)) for block in found]


def block_of(*, person_id: int, block_id: int, actor: Actor) -> ListedBlock:
    """One of her blocks (audited); :class:`NotFound` for another person's."""
    _acting_for_her(person_id, actor)
    block = _hers(person_id, block_id)
    titles = _visible_titles(person_id, [block.document_id] if block.document_id else [],
                             now=utcnow())
    audit.record(actor=actor, action="read", resource_type="Consent",
                 resource_id=f"block/{block.id}", subject_person_id=person_id, purpose=PURPOSE)
    return ListedBlock(block, titles.get(block.document_id))


def blockable_documents(*, person_id: int, actor: Actor, limit: int = 200,
                        now: datetime | None = None) -> list[sa.Row]:
    """Her newest documents that she can see (id, title, date): the choices of a document
    block. Audited as a search of her documents."""
    _acting_for_her(person_id, actor)
    statement = visible(sa.select(Document.id, Document.title, Document.document_date)
                        .where(Document.person_id == person_id)
                        .order_by(Document.document_date.desc(), Document.id.desc())
                        .limit(limit),
                        viewer=Viewer(ViewerKind.PATIENT), now=now or utcnow())
    found = list(db.session.execute(statement))
    audit.record(actor=actor, action="search", resource_type="DocumentReference",
                 resource_id=None, subject_person_id=person_id, purpose=PURPOSE)
    return found


def organisations_holding(*, person_id: int, now: datetime | None = None) -> list[Organisation]:
    """The organisations (hospitals and units) that hold documents of hers she can see:
    the choices her page offers first (any known organisation can be blocked)."""
    statement = visible(sa.select(Document.organisation_id, Document.unit_id)
                        .where(Document.person_id == person_id),
                        viewer=Viewer(ViewerKind.PATIENT), now=now or utcnow())
    ids = {i for row in db.session.execute(statement) for i in row if i is not None}
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids))
                                   .order_by(Organisation.name, Organisation.id)))


def staff_who_have_read(*, person_id: int) -> list[StaffMember]:
    """Staff whom her audit trail shows reading her data, by name: the choices of a staff
    block (she knows them from her access log)."""
    ids = {int(raw) for raw in db.session.scalars(
        sa.select(AuditEvent.actor_id).where(AuditEvent.subject_person_id == person_id,
                                             AuditEvent.actor_kind == "staff").distinct())
        if raw.isascii() and raw.isdigit()}
    if not ids:
        return []
    return list(db.session.scalars(sa.select(StaffMember).where(StaffMember.id.in_(ids))
                                   .order_by(StaffMember.name, StaffMember.id)))


def find_organisation(*, org_number: str) -> Organisation | None:
    """A known organisation by its organisation number (spaces allowed), or None."""
    compact = "".join(org_number.split())
    if not (compact.isascii() and compact.isdigit() and len(compact) == 9):
        return None
    return db.session.scalar(sa.select(Organisation).where(Organisation.org_number == compact))


def find_staff(*, hpr_number: str) -> StaffMember | None:
    """A known staff member by HPR number, or None."""
    compact = "".join(hpr_number.split())
    if not (compact.isascii() and compact.isdigit() and 6 <= len(compact) <= 9):
        return None
    return db.session.scalar(sa.select(StaffMember).where(StaffMember.hpr_number == compact))


# -- changing ------------------------------------------------------------------------

def add_block(*, person_id: int, kind: BlockKind, actor: Actor, document_id: int | None = None,
              organisation_id: int | None = None, staff_id: int | None = None,
              ) -> tuple[Block, bool]:
    """Set a block; ``(block, created)``. An active identical block is returned as it is
    (``created`` False, no new receipt): setting a block twice is one block."""
    _acting_for_her(person_id, actor)
    kind = BlockKind(kind)
    targets = {"document_id": document_id, "organisation_id": organisation_id,
               "staff_id": staff_id}
    wanted = TARGETS[kind]
    extra = sorted(name for name, value in targets.items() if value is not None and name != wanted)
    article = "an" if kind.value[0] in "aeiou" else "a"
    if extra:
        raise InvalidBlock(f"{article} {kind.value} block names no {', '.join(extra)}")
    if wanted is not None and targets[wanted] is None:
        raise InvalidBlock(f"{article} {kind.value} block needs {wanted}")
    _check_target(person_id, kind, targets)
    existing = db.session.scalar(
        sa.select(Block).where(Block.person_id == person_id, Block.kind == kind,
                               Block.lifted_at.is_(None),
                               *(getattr(Block, name) == value if value is not None
                                 else getattr(Block, name).is_(None)
                                 for name, value in targets.items()))
        .order_by(Block.id).limit(1))
    if existing is not None:
        return existing, False
    block = Block(person_id=person_id, kind=kind, created_by=actor_label(actor), **targets)
    db.session.add(block)
    db.session.flush()
    audit.record(actor=actor, action="create", resource_type="Consent",
                 resource_id=f"block/{block.id}", subject_person_id=person_id, purpose=PURPOSE)
    receipts.record(person_id=person_id, change="block-added", actor=actor,
                    **_receipt_details(block))
    return block, True


def lift_block(*, person_id: int, block_id: int, actor: Actor) -> Block:
    """Lift one of her blocks (from now on it keeps nothing). Lifting a lifted block
    changes nothing."""
    _acting_for_her(person_id, actor)
    block = _hers(person_id, block_id, for_update=True)
    if block.lifted_at is not None:
        return block
    block.lifted_at, block.lifted_by = utcnow(), actor_label(actor)
    db.session.flush()
    audit.record(actor=actor, action="update", resource_type="Consent",
                 resource_id=f"block/{block.id}", subject_person_id=person_id, purpose=PURPOSE)
    receipts.record(person_id=person_id, change="block-lifted", actor=actor,
                    **_receipt_details(block))
    return block


def current_removal(*, person_id: int) -> OnlineAccessRemoval | None:
    """The removal of her online access in force, if any (unaudited: for the rules)."""
    return db.session.scalar(
        sa.select(OnlineAccessRemoval).where(OnlineAccessRemoval.person_id == person_id,
                                             OnlineAccessRemoval.restored_at.is_(None))
        .order_by(OnlineAccessRemoval.id.desc()).limit(1))


def remove_online_access(*, person_id: int, actor: Actor) -> tuple[OnlineAccessRemoval, bool]:
    """Remove her online access to the record (hers and everyone's acting for her online,
    helsenorge included); ``(removal, created)``. Removed already: that removal."""
    _acting_for_her(person_id, actor)
    existing = current_removal(person_id=person_id)
    if existing is not None:
        return existing, False
    removal = OnlineAccessRemoval(person_id=person_id, removed_at=utcnow(),
                                  removed_by=actor_label(actor))
    db.session.add(removal)
    db.session.flush()
    audit.record(actor=actor, action="create", resource_type="Consent",
                 resource_id=f"online-access/{removal.id}", subject_person_id=person_id,
                 purpose=PURPOSE)
    receipts.record(person_id=person_id, change="online-access-removed", actor=actor,
                    removal_id=removal.id)
    return removal, True


def restore_online_access(*, person_id: int, actor: Actor) -> OnlineAccessRemoval | None:
    """Give her online access back; the removal that ended, or None if there was none."""
    _acting_for_her(person_id, actor)
    removals = list(db.session.scalars(
        sa.select(OnlineAccessRemoval).where(OnlineAccessRemoval.person_id == person_id,
                                             OnlineAccessRemoval.restored_at.is_(None))
        .order_by(OnlineAccessRemoval.id).with_for_update()))
    if not removals:
        return None
    now, label = utcnow(), actor_label(actor)
    for removal in removals:  # two at once (a race) would otherwise leave one in force
        removal.restored_at, removal.restored_by = now, label
    db.session.flush()
    last = removals[-1]
    audit.record(actor=actor, action="update", resource_type="Consent",
                 resource_id=f"online-access/{last.id}", subject_person_id=person_id,
                 purpose=PURPOSE)
    receipts.record(person_id=person_id, change="online-access-restored", actor=actor,
                    removal_id=last.id)
    return last


# -- the checks behind them ----------------------------------------------------------

def _acting_for_her(person_id: int, actor: Actor) -> None:
    if actor.kind is not ActorKind.PERSON:
        raise NotActingForHer(person_id)
    subject = actor.on_behalf_of if actor.on_behalf_of is not None else int(actor.id)
    if subject != person_id:
        raise NotActingForHer(person_id)


def _hers(person_id: int, block_id: int, *, for_update: bool = False) -> Block:
    statement = sa.select(Block).where(Block.id == block_id, Block.person_id == person_id)
    if for_update:
        statement = statement.with_for_update()
    block = db.session.scalar(statement)
    if block is None:
        raise NotFound("block")
    return block


def _check_target(person_id: int, kind: BlockKind, targets: dict[str, int | None]) -> None:
    if kind is BlockKind.DOCUMENT:
        if not _visible_titles(person_id, [targets["document_id"]], now=utcnow()):
            raise NotFound("document")
    elif kind is BlockKind.ORGANISATION:
        if db.session.get(Organisation, targets["organisation_id"]) is None:
            raise NotFound("organisation")
    elif kind is BlockKind.STAFF and db.session.get(StaffMember, targets["staff_id"]) is None:
        raise NotFound("staff")


def _visible_titles(person_id: int, document_ids: list[int], *,
                    now: datetime) -> dict[int, str]:
    """Titles of those of ``document_ids`` that are hers and that she can see now."""
    if not document_ids:
        return {}
    statement = visible(sa.select(Document.id, Document.title)
                        .where(Document.person_id == person_id,
                               Document.id.in_(document_ids)),
                        viewer=Viewer(ViewerKind.PATIENT), now=now)
    return {row.id: row.title for row in db.session.execute(statement)}


def _receipt_details(block: Block) -> dict[str, int | str]:
    details: dict[str, int | str] = {"block_id": block.id, "kind": block.kind.value}
    for name in ("document_id", "organisation_id", "staff_id"):
        if getattr(block, name) is not None:
            details[name] = getattr(block, name)
    return details
