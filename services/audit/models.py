from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.db import db


class AuditEvent(db.Model):
    """One read or write of personal data: who, for whom, about whom, what, when and why.

    Rows are only ever inserted. ``hash`` covers this row's fields and ``prev_hash``, so
    editing or deleting a row breaks the chain from there on (``flask audit verify``).
    """

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_chain_id", "chain", "id"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True)
    occurred_at: Mapped[datetime]
    #: ``person``, ``staff`` or ``system``.
    actor_kind: Mapped[str] = mapped_column(sa.String(10))
    #: Person id, staff member id or OAuth client id.
    actor_id: Mapped[str] = mapped_column(sa.String(100))
    actor_organisation_id: Mapped[int | None]
    #: The person a representative acted for, when not themself.
    on_behalf_of_person_id: Mapped[int | None]
    #: Whose data was read or written.
    subject_person_id: Mapped[int | None] = mapped_column(index=True)
    #: ``read``, ``search``, ``create``, ``update``, ``delete``, ``login``, ``export`` ...
    action: Mapped[str] = mapped_column(sa.String(30))
    resource_type: Mapped[str] = mapped_column(sa.String(50))
    resource_id: Mapped[str | None] = mapped_column(sa.String(100))
    #: Why: a purpose code such as ``treatment``, ``self-service``, ``quality-surveillance``.
    purpose: Mapped[str] = mapped_column(sa.String(50))
    #: The reason staff gave for looking outside their work list.
    reason: Mapped[str | None] = mapped_column(sa.Text)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: Which of the parallel hash chains the row is in (see ``services.audit.service``).
    chain: Mapped[int] = mapped_column(sa.SmallInteger)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)


class AuditCheckpoint(db.Model):
    """A chain's head as it was at a moment: how many rows, which was the last, its hash.

    Taken by the ``audit.checkpoint`` due job and only ever inserted. ``flask audit verify``
    checks the trail still reaches every checkpoint, so rows removed from the start or the
    end of a chain, or the whole table emptied, are found, not only rows cut from the middle.
    """

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True)
    taken_at: Mapped[datetime]
    chain: Mapped[int] = mapped_column(sa.SmallInteger)
    #: Rows in the chain up to and including ``last_event_id``.
    row_count: Mapped[int] = mapped_column(sa.BigInteger)
    last_event_id: Mapped[int] = mapped_column(sa.BigInteger)
    #: The ``hash`` of that last row.
    head_hash: Mapped[str] = mapped_column(sa.String(64))


class SecurityEvent(db.Model):
    """A refused access attempt: a token without the scope, a citizen reaching for someone
    they may not act for. Written after the refused request's rollback, so it stays.

    Holds internal ids and client ids only: never an identity number, never request text.
    """

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    #: What was refused: ``insufficient_scope``, ``not_represented`` ...
    kind: Mapped[str] = mapped_column(sa.String(30))
    #: ``person``, ``staff`` or ``system``.
    actor_kind: Mapped[str] = mapped_column(sa.String(10))
    #: Person id, staff member id or OAuth client id.
    actor_id: Mapped[str] = mapped_column(sa.String(100))
    #: What the attempt reached for: a scope (``system/Patient.r``) or ``Person/<id>``.
    target: Mapped[str] = mapped_column(sa.String(100))
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
