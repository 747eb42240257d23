"""What the record's resource handlers share: who may see and write a document, and the
domain's errors as FHIR answers. (Not a resource type: it registers nothing.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app

from citizen.fhir.errors import FhirError
from citizen.fhir.registry import Conflict
from services.actors import Actor
from services.clock import utcnow
from services.fhir.mapping import MappingError
from services.records import access
from services.records.ingest import AlreadyExists, IngestError, NotFound


def visible(statement: sa.Select, actor: Actor) -> sa.Select:
    """The one rule (services/records/access.py) for the calling system."""
    return access.visible(statement, viewer=access.Viewer.of(actor), now=utcnow())


def writer_organisation(actor: Actor) -> int:
    """The organisation whose own system is writing: only a hospital's system writes its
    documents (another system, helsenorge say, never adds to anyone's record)."""
    organisation_id = access.Viewer.of(actor).organisation_id
    if organisation_id is None:
        raise FhirError(403, "only a hospital's own record system writes its documents: "
                             "this client belongs to no organisation", code="forbidden")
    return organisation_id


def settings() -> dict:
    return {"allow_synthetic": current_app.config["DEV_FEATURES"],
            "max_bytes": current_app.config["RECORDS_MAX_DOCUMENT_BYTES"]}


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
