"""The audit trail: an append-only, hash-chained record of every access to health data."""

from services.audit.service import record, verify_chain

__all__ = ["record", "verify_chain"]
