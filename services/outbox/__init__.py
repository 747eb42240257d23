"""The transactional outbox: side effects leave the process only after the commit.

A service calls ``enqueue()`` (or ``enqueue_many()``) in its transaction; after the commit
a Celery task delivers the message through its channel (helsenorge, SMS, e-mail), with
retries and backoff. A periodic sweep re-publishes anything a lost broker message or a
dead worker left behind.
"""

from services.domain import Domain
from services.outbox.channels import PermanentFailure, TemporaryFailure, sender
from services.outbox.service import NewMessage, enqueue, enqueue_many

DOMAIN = Domain("outbox", models="services.outbox.models",
                registers=("services.outbox.tasks",))

__all__ = ["NewMessage", "PermanentFailure", "TemporaryFailure", "enqueue", "enqueue_many",
           "sender"]
