"""The resource types the FHIR API serves. Each registers one handler; the routes,
the scope checks and the CapabilityStatement all come from this registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlalchemy as sa

from services.actors import Actor
from services.fhir.columns import parse_id


@dataclass(frozen=True)
class SearchParam:
    #: FHIR search parameter type: token, date, string, reference ...
    type: str
    documentation: str
    #: ``apply(statement, values) -> statement`` adds the filter for this parameter.
    apply: Callable[[sa.Select, list[str]], sa.Select]


class ResourceHandler:
    """How one resource type is stored, mapped and searched."""

    resource_type: ClassVar[str]
    model: ClassVar[type]
    interactions: ClassVar[tuple[str, ...]] = ("read", "search-type", "create", "update")
    search_params: ClassVar[dict[str, SearchParam]] = {}
    #: Purpose recorded in the audit trail for system access to this type.
    purpose: ClassVar[str] = "system-integration"

    def parse_id(self, raw: str) -> int | None:
        """``raw`` as an id of this type; None where it cannot be one (it matches nothing)."""
        return parse_id(raw, sa.inspect(self.model).primary_key[0])

    def load(self, resource_id: str) -> Any | None:
        key = self.parse_id(resource_id)
        if key is None:
            return None
        from services.db import db

        return db.session.get(self.model, key)

    def to_fhir(self, obj: Any) -> dict[str, Any]:
        raise NotImplementedError

    def subject_of(self, obj: Any) -> int | None:
        """The person whose data ``obj`` is (for the audit trail)."""
        raise NotImplementedError

    def create(self, resource: dict[str, Any], *, actor: Actor) -> Any:
        raise NotImplementedError

    def update(self, obj: Any, resource: dict[str, Any], *, actor: Actor) -> Any:
        raise NotImplementedError

    def base_query(self) -> sa.Select:
        """The search's starting point: the model's columns (rows, not ORM objects)."""
        return sa.select(*self.model.__table__.columns)

    #: Whether ``create_many`` can take a whole transaction of creates at once.
    bulk_create: ClassVar[bool] = False

    def parse(self, resource: dict[str, Any]) -> Any:
        """Check ``resource`` against business rules and return what ``create_many`` takes."""
        raise NotImplementedError

    def bulk_condition(self, if_none_exist: str | None, resource: dict[str, Any]) -> bool | None:
        """True for a condition ``create_many`` honours, False for none, None for one it
        cannot (the entry then goes through the one-by-one path)."""
        return False if not if_none_exist else None

    def create_many(self, parsed: list[Any], *, conditional: list[bool],
                    actor: Actor) -> list[tuple[int, Any]]:
        """Create each (or, where conditional, find it); ``(201 | 200, object)`` for each."""
        raise NotImplementedError


_handlers: dict[str, ResourceHandler] = {}


def register(handler_class: type[ResourceHandler]) -> type[ResourceHandler]:
    _handlers[handler_class.resource_type] = handler_class()
    return handler_class


def handler_for(resource_type: str) -> ResourceHandler | None:
    return _handlers.get(resource_type)


def handlers() -> list[ResourceHandler]:
    return [_handlers[name] for name in sorted(_handlers)]
