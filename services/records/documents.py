"""Her documents: the list (newest first, filtered by type, organisation, date and words of
the title, paged by the caller), one document, its content, the versions it replaces; and
the same for a staff member who looks a patient up.

``person_id`` is whose record it is; ``actor`` who looks (she, someone the web side has
checked may act for her in the records area, or staff). Every query goes through
``services.records.access.visible``: what the viewer may not see is not there, so a hidden
document is ``DocumentNotFound`` exactly like one that never existed, and counts and
filter choices leave it out. Every read is audited in the caller's transaction: one row
per list view (``search``), one per document (``read`` of ``DocumentReference``), one per
content fetch (``read`` of ``Binary``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from services import audit
from services.actors import Actor, ActorKind
from services.audit.models import AuditEvent
from services.clock import day_ends, day_starts, utcnow
from services.db import db
from services.people.models import Organisation
from services.people.staff_access import record_staff_read
from services.records.access import Viewer, visible
from services.records.models import AccessQuestion, Document, DocumentKind, QuestionStatus

#: The citizen's own reading; staff read for treatment.
PURPOSE = "self-service"
STAFF_PURPOSE = "treatment"
DOCUMENT = "DocumentReference"
BINARY = "Binary"
#: Longest title search accepted (titles are at most 300 characters).
MAX_QUERY = 100
#: The home tile counts documents newer than her last visit, or than this when she has
#: not looked at the list before.
NEW_WITHOUT_VISIT = timedelta(days=30)
#: Enough earlier versions for any real correction chain; stops a loop in bad data.
MAX_VERSIONS = 50


class DocumentNotFound(LookupError):
    """No such document of hers, or none this viewer may see: the same answer."""


def is_searchable(text: str) -> bool:
    """Whether ``text`` may be searched for: no control characters (PostgreSQL refuses NUL
    in text, and no title holds the others)."""
    return not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)


class InvalidFilter(ValueError):
    """A filter that cannot be applied (``field`` names it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; None or empty is "any"."""

    kind: DocumentKind | None = None
    organisation_id: int | None = None
    #: Norwegian dates, both ends included.
    date_from: date | None = None
    date_to: date | None = None
    #: Words that must all occur in the title (case-insensitive).
    text: str | None = None

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidFilter("date_to", "the end date is before the start date")
        if self.text is not None and len(self.text) > MAX_QUERY:
            raise InvalidFilter("q", f"search with at most {MAX_QUERY} characters")
        if self.text is not None and not is_searchable(self.text):
            raise InvalidFilter("q", "search with letters, digits and punctuation only")

    @property
    def active(self) -> bool:
        return any((self.kind, self.organisation_id, self.date_from, self.date_to,
                    (self.text or "").strip()))


NO_FILTERS = Filters()


def documents_statement(*, person_id: int, actor: Actor, filters: Filters = NO_FILTERS,
                        now: datetime | None = None) -> sa.Select:
    """Her documents the actor may see, narrowed by ``filters``, as a query of ``Document``
    for a caller that pages it (newest first: keys ``document_date``, ``id``), then calls
    ``listed`` with the page."""
    statement = (sa.select(Document).where(Document.person_id == person_id)
                 .options(joinedload(Document.organisation), joinedload(Document.unit)))
    return _narrowed(_visible(statement, actor, now), filters)


def listed(*, person_id: int, actor: Actor, documents: Sequence[Document]) -> Sequence[Document]:
    """A page of ``documents_statement``: audited as one search of her documents."""
    _audit(actor, person_id, action="search", resource_type=DOCUMENT, resource_id=None)
    return documents


@dataclass(frozen=True)
class Holdings:
    """What a list view shows beside its page."""

    #: The organisations whose documents of hers the actor may see (the filter's choices),
    #: by name.
    organisations: list[Organisation]
    #: How many of those documents match the filters.
    total: int


def holdings(*, person_id: int, actor: Actor, filters: Filters = NO_FILTERS) -> Holdings:
    """The organisations and the count of a list view in one statement (her documents the
    actor may see, by organisation, each counting those that match ``filters``); part of
    the view, which ``listed`` audits."""
    matching = sa.func.count(Document.id)
    if conditions := _conditions(filters):
        matching = matching.filter(sa.and_(*conditions))
    statement = _visible(sa.select(Organisation, matching)
                         .join(Document, Document.organisation_id == Organisation.id)
                         .where(Document.person_id == person_id), actor, None)
    rows = db.session.execute(statement.group_by(Organisation.id)
                              .order_by(Organisation.name, Organisation.id)).all()
    return Holdings(organisations=[organisation for organisation, _ in rows],
                    total=sum(count for _, count in rows))


def organisations_of(*, person_id: int, actor: Actor) -> list[Organisation]:
    """The organisations whose documents of hers the actor may see (the filter's choices),
    by name; part of a list view."""
    return holdings(person_id=person_id, actor=actor).organisations


def get_document(*, document_id: int, person_id: int, actor: Actor) -> Document:
    """One of her documents, audited as a read; ``DocumentNotFound`` for anyone else's and
    for one the actor may not see."""
    document = _find(document_id, person_id, actor)
    _audit(actor, person_id, action="read", resource_type=DOCUMENT, resource_id=document.id)
    return document


def content_of(*, document_id: int, person_id: int, actor: Actor) -> tuple[Document, bytes]:
    """One of her documents and its stored bytes (``document.content_type``), audited as a
    read of the content."""
    document = _find(document_id, person_id, actor)
    _audit(actor, person_id, action="read", resource_type=BINARY, resource_id=document.id)
    return document, document.content.data


@dataclass(frozen=True)
class History:
    """A document's place among its versions, as far as the viewer may see them."""

    #: The versions it replaces, newest first (each replaced by the one before it).
    earlier: list[Document]
    #: The version that replaces it, if there is one she may see.
    replaced_by: Document | None


def history_of(document: Document, *, actor: Actor) -> History:
    """The earlier versions ``document`` replaces and the one that replaces it, each only
    if the actor may see it (shown with the document, whose read is audited)."""
    earlier: list[Document] = []
    seen = {document.id}
    previous_id = document.replaces_id
    while previous_id is not None and previous_id not in seen and len(earlier) < MAX_VERSIONS:
        seen.add(previous_id)
        previous = db.session.scalar(_visible(
            sa.select(Document).where(Document.id == previous_id,
                                      Document.person_id == document.person_id), actor, None))
        if previous is None:
            break  # hidden from her: so is what lies beyond it
        earlier.append(previous)
        previous_id = previous.replaces_id
    replaced_by = db.session.scalar(_visible(
        sa.select(Document).where(Document.replaces_id == document.id,
                                  Document.person_id == document.person_id)
        .order_by(Document.id.desc()).limit(1), actor, None))
    return History(earlier=earlier, replaced_by=replaced_by)


def visible_among(*, person_id: int, actor: Actor, ids: set[int]) -> set[int]:
    """Which of ``ids`` (earlier versions that a page of documents replaces) the actor may
    see: an id she may not see is never shown, not even as a number."""
    if not ids:
        return set()
    return set(db.session.scalars(_visible(sa.select(Document.id).where(
        Document.person_id == person_id, Document.id.in_(ids)), actor, None)))


# -- the home tile -----------------------------------------------------------------------

@dataclass(frozen=True)
class News:
    #: Documents she may see that came since her last visit to the list (or in 30 days).
    new_documents: int
    #: Answers to her "ask why" questions she has not seen.
    unseen_answers: int
    #: When the newest document she may see was written; None if she has none.
    latest: datetime | None


def news_for(*, person_id: int, actor: Actor) -> News:
    """What the home tile says about her record; audited as a count of her documents."""
    now = utcnow()
    since = last_visit(person_id=person_id, actor=actor) or now - NEW_WITHOUT_VISIT
    base = _visible(sa.select(Document.id).where(Document.person_id == person_id), actor, now)
    new = db.session.scalar(sa.select(sa.func.count()).select_from(
        base.where(Document.created_at > since).subquery())) or 0
    latest = db.session.scalar(_visible(
        sa.select(sa.func.max(Document.document_date)).where(Document.person_id == person_id),
        actor, now))
    unseen = db.session.scalar(sa.select(sa.func.count(AccessQuestion.id)).where(
        AccessQuestion.person_id == person_id, AccessQuestion.status == QuestionStatus.ANSWERED,
        AccessQuestion.answer_seen_at.is_(None))) or 0
    _audit(actor, person_id, action="count", resource_type=DOCUMENT, resource_id=None)
    return News(new_documents=new, unseen_answers=unseen, latest=latest)


def last_visit(*, person_id: int, actor: Actor) -> datetime | None:
    """When this citizen last looked at the list of these documents (her audited
    searches; a representative's visits are their own)."""
    return db.session.scalar(sa.select(sa.func.max(AuditEvent.occurred_at)).where(
        AuditEvent.subject_person_id == person_id, AuditEvent.actor_kind == actor.kind.value,
        AuditEvent.actor_id == actor.id, AuditEvent.resource_type == DOCUMENT,
        AuditEvent.action == "search"))


# -- staff -------------------------------------------------------------------------------

def staff_documents(*, person_id: int, actor: Actor, reason: str | None,
                    on_worklist: bool = False) -> list[Document]:
    """A patient's documents a staff member may see, newest first. Off the work list a
    reason is required (``services.people.staff_access.ReasonRequired``); it is audited
    with the read and she sees it in her access log."""
    _staff_read(actor, person_id, resource_id=None, reason=reason, on_worklist=on_worklist)
    statement = documents_statement(person_id=person_id, actor=actor)
    return list(db.session.scalars(statement.order_by(Document.document_date.desc(),
                                                      Document.id.desc())))


def staff_document(*, document_id: int, actor: Actor, reason: str | None,
                   on_worklist: bool = False) -> Document:
    """One document a staff member may see (``DocumentNotFound`` otherwise), its reading
    audited with the reason."""
    document = db.session.scalar(_visible(sa.select(Document).where(Document.id == document_id),
                                          actor, None))
    if document is None:
        raise DocumentNotFound(document_id)
    _staff_read(actor, document.person_id, resource_id=document.id, reason=reason,
                on_worklist=on_worklist)
    return document


def _staff_read(actor: Actor, person_id: int, *, resource_id: int | None, reason: str | None,
                on_worklist: bool) -> None:
    record_staff_read(actor=actor, subject_person_id=person_id, resource_type=DOCUMENT,
                      resource_id=resource_id, purpose=STAFF_PURPOSE, on_worklist=on_worklist,
                      reason=reason)


# -- the parts ---------------------------------------------------------------------------

def _visible(statement: sa.Select, actor: Actor, now: datetime | None) -> sa.Select:
    return visible(statement, viewer=Viewer.of(actor), now=now or utcnow())


def _narrowed(statement: sa.Select, filters: Filters) -> sa.Select:
    conditions = _conditions(filters)
    return statement.where(*conditions) if conditions else statement


def _conditions(filters: Filters) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if filters.kind is not None:
        conditions.append(Document.kind == filters.kind)
    if filters.organisation_id is not None:
        conditions.append(Document.organisation_id == filters.organisation_id)
    # The calendar's first and last days have no bound (None) in UTC.
    since = day_starts(filters.date_from) if filters.date_from else None
    until = day_ends(filters.date_to) if filters.date_to else None
    if since is not None:
        conditions.append(Document.document_date >= since)
    if until is not None:
        conditions.append(Document.document_date < until)
    for word in (filters.text or "").split():
        conditions.append(Document.title.ilike(f"%{_escaped(word)}%", escape="\\"))
    return conditions


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _find(document_id: int, person_id: int, actor: Actor) -> Document:
    statement = sa.select(Document).where(Document.id == document_id,
                                          Document.person_id == person_id)
    document = db.session.scalar(_visible(statement, actor, None))
    if document is None:
        raise DocumentNotFound(document_id)
    return document


def _audit(actor: Actor, person_id: int, *, action: str, resource_type: str,
           resource_id: int | None) -> None:
    if actor.kind is ActorKind.STAFF:
        raise ValueError("staff read documents through staff_documents / staff_document")
    audit.append(actor=actor, action=action, resource_type=resource_type,
                 resource_id=resource_id, subject_person_id=person_id, purpose=PURPOSE)
