"""What the ultrasound resource handlers share: the domain's errors as FHIR answers, and
search parameters over its columns. (Not a resource type: it registers nothing.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app

from citizen.fhir.errors import FhirError
from citizen.fhir.params import DateValue
from citizen.fhir.registry import Conflict, Token
from services.ultrasound.fhir import MappingError, service_of_token
from services.ultrasound.ingest import AlreadyExists, IngestError, NotFound


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


def codes_of(enum_class: type[StrEnum]) -> Callable[[list[Token]], list[str]]:
    """For ``AnyOf``: the tokens that are values of ``enum_class`` (any system)."""
    values = {member.value for member in enum_class}
    return lambda tokens: [t.code for t in tokens if t.code in values]


def services_of(tokens: list[Token]) -> list[str]:
    """For ``AnyOf``: the services named by ``early-ultrasound`` / ``routine-ultrasound``."""
    return [service.value for t in tokens if (service := service_of_token(t.code)) is not None]


def of_people(column: sa.ColumnElement) -> Callable[[sa.Select, sa.Select], sa.Select]:
    """A reference to Patient: ``column`` is one of the people the subquery finds."""
    return lambda statement, ids: statement.where(column.in_(ids))


def at(column: sa.ColumnElement) -> Callable[[sa.Select, list[DateValue]], sa.Select]:
    """A date parameter: every comparison holds for ``column``."""

    def apply(statement: sa.Select, dates: list[DateValue]) -> sa.Select:
        for value in dates:
            statement = statement.where(value.condition(column))
        return statement

    return apply
