"""The audit trail: an append-only, hash-chained record of every access to health data."""

from services.audit.service import record, record_many, verify_chain
from services.domain import Domain

DOMAIN = Domain("audit", models="services.audit.models")

__all__ = ["record", "record_many", "verify_chain"]
