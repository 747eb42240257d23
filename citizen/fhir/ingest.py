"""What every domain's resource handlers share when they take hospital data: synthetic
identity numbers where development features are on, and the domain's refusals as FHIR
answers (``services.fhir.ingest``, ``services.fhir.mapping``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app

from citizen.fhir.errors import FhirError
from citizen.fhir.registry import Conflict
from services.fhir.ingest import AlreadyExists, IngestError, NotFound
from services.fhir.mapping import MappingError


def allow_synthetic() -> bool:
    """Synthetic identity numbers (the test range) are taken where development features are."""
    return current_app.config["DEV_FEATURES"]


@contextmanager
def domain_errors() -> Iterator[None]:
    """The domain's refusals as the FHIR layer answers them: 409 for an existing business
    identifier (a create never updates), else 422 naming the element."""
    try:
        yield
    except AlreadyExists as exc:
        raise Conflict(str(exc), exc.expression) from None
    except (MappingError, IngestError) as exc:
        raise FhirError(422, str(exc), code="business-rule",
                        expression=[exc.expression] if exc.expression else None) from None
    except NotFound as exc:
        raise FhirError(422, f"{exc} is not known here", code="business-rule") from None
