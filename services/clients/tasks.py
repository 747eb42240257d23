"""Due work of system clients."""

from datetime import datetime, timedelta

from services.clients.service import purge_used_assertions
from services.jobs.registry import due_job


@due_job("clients.purge_used_assertions", every=timedelta(minutes=10))
def purge_expired_assertion_jtis(*, now: datetime) -> int:
    """Forget used assertion ``jti``s once their assertions have expired anyway."""
    return purge_used_assertions(now=now)
