"""What a check found wrong, and where."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a resource, in the words of an OperationOutcome issue."""

    #: FHIRPath-like location with indexes, e.g. ``Patient.identifier[0].use``.
    expression: str
    message: str
    #: OperationOutcome issue type: ``code-invalid``, ``required``, ``value``, ``structure``
    #: or ``too-long``.
    code: str = "code-invalid"
