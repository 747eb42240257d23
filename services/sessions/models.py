from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.clock import utcnow
from services.db import db
from services.people.models import Person, StaffMember


class WebSession(db.Model):
    """A logged-in browser. Ends at logout, after 30 idle minutes, or 12 hours after login."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the random token in the cookie; a database dump cannot replay sessions.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: ``citizen`` or ``staff``.
    kind: Mapped[str] = mapped_column(sa.String(10))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id"), index=True)
    #: For staff: the organisation they chose to work in.
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    #: For citizens: whom they are acting for now (themself when None).
    acting_for_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    #: Authentication level the identity provider asserted (``acr``).
    acr: Mapped[str | None] = mapped_column(sa.String(100))
    #: The id_token, encrypted by the identity vault: needed as ``id_token_hint`` at logout,
    #: and it carries the identity number.
    id_token_encrypted: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    #: Who holds it (loaded with it by ``find_session``).
    person: Mapped[Person | None] = relationship(foreign_keys=[person_id], viewonly=True)
    staff: Mapped[StaffMember | None] = relationship(viewonly=True)
