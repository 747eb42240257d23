"""The audit trail: an append-only, hash-chained record of every access to health data."""

from services.audit.security import record_refusal, write_refusals
from services.audit.service import (
    Access,
    append,
    record,
    record_all,
    record_many,
    take_checkpoints,
    verify_chain,
)
from services.domain import Domain

DOMAIN = Domain("audit", models="services.audit.models", registers=("services.audit.tasks",))

__all__ = ["Access", "append", "record", "record_all", "record_many", "record_refusal",
           "take_checkpoints", "verify_chain", "write_refusals"]
