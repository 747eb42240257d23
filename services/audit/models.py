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
