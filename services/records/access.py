"""Who sees which of a person's documents: the one rule, as a filter on any query of
``Document`` (the citizen's pages and API, staff pages, FHIR read and search, the export).

- **The patient online** (she, or someone lawfully acting for her in records; the caller
  checks the representation): current and superseded documents that are neither withheld
  from her nor waiting for their release time; nothing while she has removed her online
  access. Blocks are hers and do not hide anything from her.
- **Staff**: a staff member she has blocked by name sees none of her documents. Staff of
  the document's own hospital see its documents; staff of another organisation see them
  unless a block keeps them from sharing (the document, its hospital or unit, or
  everything). "Own hospital" is the organisation the staff member works in for this
  session, the organisations above it and its units: a block is about sharing with other
  enterprises (virksomheter), and a unit of the hospital is the hospital.
- **Systems**: the record's own hospital's system sees all of that hospital's documents (it
  wrote them). Any other system (helsenorge, acting for citizens) sees what she sees online,
  less what her blocks keep from sharing.
- A block on an organisation covers the documents it holds (the custodian) and those
  written at it as a unit.

For a party a document is hidden from, it is not there: the filter removes it before ids,
counts or pages are computed, so a 404 cannot be told from a document that never existed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa

from services.actors import Actor, ActorKind
from services.clients.models import SystemClient
from services.db import db
from services.people.models import Organisation
from services.people.service import with_units
from services.records.models import (
    Block,
    BlockKind,
    Document,
    DocumentStatus,
    OnlineAccessRemoval,
)


class ViewerKind(StrEnum):
    PATIENT = "patient"
    STAFF = "staff"
    SYSTEM = "system"


@dataclass(frozen=True)
class Viewer:
    """Who looks at a person's documents, as the rule needs to know them."""

    kind: ViewerKind
    #: Staff: their organisation. Systems: the organisation whose own system it is, or None.
    organisation_id: int | None = None
    staff_id: int | None = None
    #: The organisations whose documents are the viewer's own: ``organisation_id``, the
    #: organisations above it and its units (``Viewer.of`` fills it in; empty means just
    #: ``organisation_id``).
    own_organisation_ids: frozenset[int] = frozenset()

    @property
    def own(self) -> frozenset[int]:
        """The organisation ids whose documents are this viewer's own hospital's."""
        if self.own_organisation_ids:
            return self.own_organisation_ids
        return frozenset() if self.organisation_id is None else frozenset({self.organisation_id})

    @classmethod
    def of(cls, actor: Actor) -> Viewer:
        """The viewer an actor is: a citizen is the patient online (for herself or whoever she
        acts for), staff are staff, a system client is its organisation's or nobody's."""
        if actor.kind is ActorKind.PERSON:
            return cls(ViewerKind.PATIENT)
        if actor.kind is ActorKind.STAFF:
            return cls(ViewerKind.STAFF, organisation_id=actor.organisation_id,
                       staff_id=int(actor.id),
                       own_organisation_ids=_same_hospital(actor.organisation_id))
        organisation_id = db.session.scalar(
            sa.select(SystemClient.organisation_id).where(SystemClient.client_id == actor.id))
        return cls(ViewerKind.SYSTEM, organisation_id=organisation_id,
                   own_organisation_ids=_same_hospital(organisation_id))


def visible(statement: sa.Select, *, viewer: Viewer, now: datetime) -> sa.Select:
    """``statement`` (a query over ``Document``) with what ``viewer`` may not see removed."""
    if viewer.kind is ViewerKind.PATIENT:
        return statement.where(_seen_online(now))
    if viewer.kind is ViewerKind.STAFF:
        blocked_by_name = _active_block(BlockKind.STAFF, Block.staff_id == viewer.staff_id)
        return statement.where(~blocked_by_name, sa.or_(
            Document.organisation_id.in_(viewer.own), ~_kept_from_sharing()))
    if viewer.own:
        return statement.where(Document.organisation_id.in_(viewer.own))
    return statement.where(_seen_online(now), ~_kept_from_sharing())


def _seen_online(now: datetime) -> sa.ColumnElement[bool]:
    # NOT IN an uncorrelated list (PostgreSQL: one hashed subplan), not a correlated NOT
    # EXISTS: PostgreSQL estimated that anti-join at one row whatever her documents, so a
    # page of 25 joined and sorted all 500 of hers instead of reading the newest 26 off
    # the index. ``person_id`` is never NULL, so the two mean the same.
    removed = sa.select(OnlineAccessRemoval.person_id).where(
        OnlineAccessRemoval.restored_at.is_(None))
    return sa.and_(
        Document.status != DocumentStatus.ENTERED_IN_ERROR,
        Document.withheld_from_patient.is_(False),
        sa.or_(Document.release_after.is_(None), Document.release_after <= now),
        Document.person_id.not_in(removed),
    )


def _kept_from_sharing() -> sa.ColumnElement[bool]:
    """A block of hers keeps the document from other organisations and systems."""
    return sa.or_(
        _active_block(BlockKind.DOCUMENT, Block.document_id == Document.id),
        _active_block(BlockKind.ORGANISATION, sa.or_(
            Block.organisation_id == Document.organisation_id,
            Block.organisation_id == Document.unit_id)),
        _active_block(BlockKind.EVERYTHING),
    )


def _active_block(kind: BlockKind, *matching: sa.ColumnElement[bool]) -> sa.Exists:
    return sa.exists().where(Block.person_id == Document.person_id, Block.kind == kind,
                             Block.lifted_at.is_(None), *matching)


def _same_hospital(organisation_id: int | None) -> frozenset[int]:
    """``organisation_id``, the organisations above it and its units (empty for None)."""
    if organisation_id is None:
        return frozenset()
    found, current = {organisation_id}, organisation_id
    while (parent := db.session.scalar(sa.select(Organisation.parent_id)
                                       .where(Organisation.id == current))) is not None:
        if parent in found:  # a cycle in the register's data: stop rather than loop
            break
        found.add(parent)
        current = parent
    return frozenset(found | with_units([organisation_id]))


def online_access_removed(person_id: int) -> bool:
    """Whether she has removed her online access (pages then say so, and how to restore it)."""
    return db.session.scalar(sa.select(sa.exists().where(
        OnlineAccessRemoval.person_id == person_id,
        OnlineAccessRemoval.restored_at.is_(None)))) or False
