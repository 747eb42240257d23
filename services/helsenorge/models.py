from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.clock import utcnow
from services.db import db


class InboundMessage(db.Model):
    """A message received from helsenorge; the unique CorrelationId makes receipt idempotent."""

    __tablename__ = "helsenorge_inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    correlation_id: Mapped[str] = mapped_column(sa.String(100), unique=True)
    message_id: Mapped[str] = mapped_column(sa.String(100))
    message_function: Mapped[str] = mapped_column(sa.String(100))
    from_her_id: Mapped[str] = mapped_column(sa.String(20))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
