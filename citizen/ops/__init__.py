"""Operability endpoints: liveness, readiness and metrics."""

from citizen.ops.blueprint import blueprint

__all__ = ["blueprint"]
