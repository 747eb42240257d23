"""Inbound helsenorge.no messages (signed envelopes posted to us)."""

from citizen.helsenorge.blueprint import blueprint

__all__ = ["blueprint"]
