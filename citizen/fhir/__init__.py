"""The FHIR R4 REST face at ``/fhir/R4`` for hospital systems and helsenorge.no."""

from citizen.fhir.blueprint import blueprint

__all__ = ["blueprint"]
