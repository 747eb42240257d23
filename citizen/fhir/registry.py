"""The resource types the FHIR API serves. Each registers one handler; the routes,
the scope checks and the CapabilityStatement all come from this registry.

The contract between the generic layer (``views``, ``bundles``) and a handler:

- the generic layer parses everything that is the same for every type: ids, search
  parameters by their type (tokens, dates, references and chains such as
  ``patient.identifier=system|value``), conditions, versions, scopes and the audit rows of
  reads and searches;
- ``to_fhir`` and ``subject_of`` always get a :data:`Stored` row (the model's columns, as
  ``load`` and search read them), never an ORM object: one kind of input for every path;
- ``visible`` narrows every statement that finds stored rows for a caller (read, search,
  the matching of conditional creates and updates, the rows an update or a Bundle entry
  starts from): what it removes is simply not there for that caller (404, absent from
  results). By default it removes nothing; the record's documents apply their one rule;
- ``create`` and ``update`` call the domain's service functions and return the id; the
  generic layer reads the stored row back for the response, so the response shows what was
  stored. A create never updates: a business identifier that already exists is
  :class:`Conflict` (409), and the caller uses a conditional create or an update.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

import sqlalchemy as sa

from services.actors import Actor
from services.fhir.columns import parse_id

#: What a handler gets to map: a row with the model's columns.
Stored = sa.Row


class Versioned(Protocol):
    """What a Bundle's response entry names: a stored row or a just-flushed object."""

    id: int
    version_id: int
    updated_at: datetime


@dataclass(frozen=True)
class Token:
    """A token search value ``system|code`` (``system`` None: any system)."""

    system: str | None
    code: str


@dataclass(frozen=True)
class SearchParam:
    #: FHIR search parameter type: token, date, string, reference.
    type: str
    documentation: str
    #: ``apply(statement, values) -> statement`` adds the filter. ``values`` arrive parsed by
    #: type: ``list[Token]`` for a token, ``list[DateValue]`` for a date, for a reference a
    #: subquery of the target's ids (``patient=Patient/1``, ``patient.identifier=...``), and
    #: the raw strings for the rest. ``params.AnyOf(column, values_of)`` is such an apply
    #: that a search can bind instead of building a Select per request.
    apply: Callable[[sa.Select, Any], sa.Select]
    #: For a reference: the resource type it points at (chains search that type).
    target: str | None = None


class Conflict(Exception):
    """The resource conflicts with what is stored (an existing business identifier).

    ``expression`` names the element in the resource; ``index`` which of ``create_many``'s
    resources it was."""

    def __init__(self, message: str, expression: str | None = None,
                 index: int | None = None) -> None:
        super().__init__(message)
        self.expression = expression
        self.index = index


@dataclass(frozen=True)
class Existing:
    """What ``create`` returns when it made no new resource: the one stored in its place
    already (the same answer sent again), or replaced there (a draft). Answered 200 with it,
    as a conditional create's match is."""

    id: int


class ResourceHandler:
    """How one resource type is stored, mapped and searched."""

    resource_type: ClassVar[str]
    model: ClassVar[type]
    interactions: ClassVar[tuple[str, ...]] = ("read", "search-type", "create", "update")
    search_params: ClassVar[dict[str, SearchParam]] = {}
    #: Purpose recorded in the audit trail for system access to this type.
    purpose: ClassVar[str] = "system-integration"
    #: What a sending system needs to know, in the CapabilityStatement (codes, rules).
    documentation: ClassVar[str | None] = None

    def parse_id(self, raw: str) -> int | None:
        """``raw`` as an id of this type; None where it cannot be one (it matches nothing)."""
        return parse_id(raw, sa.inspect(self.model).primary_key[0])

    def to_fhir(self, row: Stored) -> dict[str, Any]:
        raise NotImplementedError

    def subject_of(self, row: Stored) -> int | None:
        """The person whose data ``row`` is (for the audit trail)."""
        raise NotImplementedError

    def create(self, resource: dict[str, Any], *, actor: Actor) -> int | Existing:
        """Store a new resource; its id. :class:`Conflict` if its business identifier exists."""
        raise NotImplementedError

    def update(self, row: Stored, resource: dict[str, Any], *, actor: Actor) -> int:
        """Store ``resource`` as the new version of ``row``; the id."""
        raise NotImplementedError

    def base_query(self) -> sa.Select:
        """The starting point of every read and search: the model's columns."""
        return sa.select(*self.model.__table__.columns)

    def visible(self, statement: sa.Select, *, actor: Actor) -> sa.Select:
        """``statement`` (a read or search of this type) less what ``actor`` may not see.

        Return ``statement`` itself where nothing is removed: the generic layer then runs
        its statements built once. (A new Select per request is run through SQLAlchemy.)"""
        return statement

    def last_updated(self) -> sa.ColumnElement:
        """The column ``_lastUpdated`` searches."""
        return self.model.updated_at

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
                    actor: Actor) -> Sequence[tuple[int, Versioned]]:
        """Create each, or where conditional find the existing one: ``(201 | 200, stored)``.
        :class:`Conflict` for an unconditional create of an existing business identifier."""
        raise NotImplementedError


_handlers: dict[str, ResourceHandler] = {}


def register(handler_class: type[ResourceHandler]) -> type[ResourceHandler]:
    _handlers[handler_class.resource_type] = handler_class()
    return handler_class


def handler_for(resource_type: str) -> ResourceHandler | None:
    return _handlers.get(resource_type)


def handlers() -> list[ResourceHandler]:
    return [_handlers[name] for name in sorted(_handlers)]
