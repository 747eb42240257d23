"""Her consent history: every block, online-access change, fullmakt, area withheld from
her parents and early-scan decision, newest first, with time and who acted; the names the
receipts' ids stand for, resolved for showing.

The receipts hold ids only (``services.people.receipts``); names are looked up when she
reads them: people by name, organisations by name, staff by name, documents by title
while she can see them (a document the hospital has since withheld is "a document").
One audit row per reading (``Consent``, ``search``, or ``export`` for a download).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.clock import utcnow
from services.db import db
from services.people import receipts
from services.people.models import ConsentReceipt, Organisation, Person, StaffMember
from services.records.access import Viewer, ViewerKind, visible
from services.records.models import Document

PURPOSE = "self-service"


@dataclass(frozen=True)
class Entry:
    receipt: ConsentReceipt
    #: Who acted, when it was not she herself: a person's name, or None for a staff member
    #: or system (``actor_kind`` says which).
    actor_is_herself: bool
    actor_name: str | None
    #: The names behind the ids in ``details``: ``recipient``, ``giver``, ``organisation``,
    #: ``staff``, ``document``.
    names: dict[str, str] = field(default_factory=dict)


def history_of(*, person_id: int, actor: Actor, action: str = "search",
               now: datetime | None = None) -> list[Entry]:
    """Her receipts with names, newest first (audited as ``action``)."""
    found = receipts.history(person_id=person_id)
    people_ids = {int(r.actor_id) for r in found if r.actor_kind == "person"
                  and r.actor_id.isdigit()}
    for receipt in found:
        for key in ("recipient_id", "giver_id"):
            if isinstance(receipt.details.get(key), int):
                people_ids.add(receipt.details[key])
    people = _names(Person, people_ids, lambda p: p.name)
    organisations = _names(Organisation, _ids(found, "organisation_id"), lambda o: o.name)
    staff = _names(StaffMember, _ids(found, "staff_id"), lambda s: s.name)
    documents = _visible_titles(person_id, _ids(found, "document_id"), now=now or utcnow())
    entries = []
    for receipt in found:
        details = receipt.details
        names = {}
        for key, table in (("recipient_id", people), ("giver_id", people),
                           ("organisation_id", organisations), ("staff_id", staff),
                           ("document_id", documents)):
            if details.get(key) in table:
                names[key.removesuffix("_id")] = table[details[key]]
        herself = receipt.actor_kind == "person" and receipt.actor_id == str(person_id)
        actor_name = (people.get(int(receipt.actor_id))
                      if receipt.actor_kind == "person" and receipt.actor_id.isdigit()
                      and not herself else None)
        entries.append(Entry(receipt, herself, actor_name, names))
    audit.record(actor=actor, action=action, resource_type="Consent",
                 resource_id="history", subject_person_id=person_id, purpose=PURPOSE)
    return entries


def _ids(found: list[ConsentReceipt], key: str) -> set[int]:
    return {r.details[key] for r in found if isinstance(r.details.get(key), int)}


def _names(model, ids: set[int], name_of) -> dict[int, str]:
    if not ids:
        return {}
    return {row.id: name_of(row) for row in db.session.scalars(
        sa.select(model).where(model.id.in_(ids)))}


def _visible_titles(person_id: int, ids: set[int], *, now: datetime) -> dict[int, str]:
    if not ids:
        return {}
    statement = visible(sa.select(Document.id, Document.title)
                        .where(Document.person_id == person_id, Document.id.in_(ids)),
                        viewer=Viewer(ViewerKind.PATIENT), now=now)
    return {row.id: row.title for row in db.session.execute(statement)}
