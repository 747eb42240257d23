from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.clock import utcnow
from services.db import db


class SystemClient(db.Model):
    """An OAuth2 client using the client-credentials grant."""

    __tablename__ = "system_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Space-separated SMART v2 scopes the client may be granted, e.g. ``system/Patient.rs``.
    scopes: Mapped[str] = mapped_column(sa.Text)
    #: ``private_key_jwt`` (RFC 7523) or ``client_secret_basic`` (development only).
    auth_method: Mapped[str] = mapped_column(sa.String(30))
    #: Hash of the client secret (``client_secret_basic`` only); the secret itself is shown once.
    secret_hash: Mapped[str | None] = mapped_column(sa.String(255))
    #: The client's public keys (a JWK Set) for ``private_key_jwt``.
    jwks: Mapped[dict | None] = mapped_column(sa.JSON)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The organisation whose own system this is (a hospital's record system), or None (a
    #: system acting for citizens, such as helsenorge). A citizen's blocks keep her record
    #: from every system but her hospital's own (services/records/access.py).
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))


class UsedClientAssertion(db.Model):
    """A ``jti`` already presented in a client assertion: each may be used once."""

    __tablename__ = "used_client_assertions"
    __table_args__ = (sa.UniqueConstraint("client_id", "jti"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(64))
    jti: Mapped[str] = mapped_column(sa.String(255))
    #: When the assertion expires; after that its ``exp`` refuses it anyway and the row may go.
    expires_at: Mapped[datetime] = mapped_column(index=True)
