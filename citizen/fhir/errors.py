"""FHIR errors become OperationOutcome responses with the right status."""

from __future__ import annotations

from citizen.errors import operation_outcome


class FhirError(Exception):
    """An error to answer with an OperationOutcome; ``expression`` points at the element."""

    def __init__(self, status: int, diagnostics: str, *, code: str | None = None,
                 expression: list[str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.diagnostics = diagnostics
        self.code = code
        self.expression = expression
        self.headers = headers or {}

    def response(self):
        response = operation_outcome(self.status, self.diagnostics, code=self.code,
                                     expression=self.expression)
        response.headers.update(self.headers)
        return response


def not_found(resource_type: str, resource_id: str) -> FhirError:
    return FhirError(404, f"{resource_type}/{resource_id} is not known")
