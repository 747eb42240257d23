"""Search parameter values parsed by their type, once, for every resource type.

Handlers get tokens, dates and reference subqueries, never the raw strings, so a
``patient=Patient/1`` or ``patient.identifier=system|value`` means the same on every type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from citizen.fhir.errors import FhirError
from citizen.fhir.registry import ResourceHandler, SearchParam, Token, handler_for
from citizen.fhir.search import parse_date_prefix, parse_token


@dataclass(frozen=True)
class DateValue:
    """``ge2026-01-01``: the comparison (eq, gt, lt, ge, le) and the instant (UTC)."""

    prefix: str
    moment: datetime

    def condition(self, column: sa.ColumnElement, *,
                  as_date: bool = False) -> sa.ColumnElement[bool]:
        """Compare ``column`` (a date column with ``as_date``: by the UTC day)."""
        value = self.moment.date() if as_date else self.moment
        return {"eq": column == value, "gt": column > value, "lt": column < value,
                "ge": column >= value, "le": column <= value}[self.prefix]


class AnyOf:
    """A ``SearchParam.apply`` for the common case "``column`` is one of these values":
    ``AnyOf(Person.national_id_hash, hashes_of)`` where ``hashes_of(parsed values)`` lists
    the column values to match (none: the filter matches nothing).

    Called as any ``apply`` is (chains do). A search also recognises it and binds the
    values into a statement built once per combination of parameters, instead of building
    a Select on every request.
    """

    def __init__(self, column: sa.ColumnElement, values_of: Callable[[Any], list]) -> None:
        self.column = column
        self.values_of = values_of

    def __call__(self, statement: sa.Select, values: Any) -> sa.Select:
        return statement.where(self.column.in_(self.values_of(values)))

    def condition(self, name: str, *, as_array: bool = False,
                  one: bool = False) -> sa.ColumnElement[bool]:
        """The filter with its values left to bind as ``name``: an expanding ``IN``; with
        ``as_array`` (PostgreSQL) ``= ANY(array)``, one SQL text for any number of values;
        with ``one``, ``=`` a single value (the common search, and PostgreSQL's cached plan
        for it is an index lookup: binding an array cost a search ~0.15 ms)."""
        if one:
            return self.column == sa.bindparam(name)
        if as_array:
            return self.column == sa.any_(sa.bindparam(name, type_=ARRAY(self.column.type)))
        return self.column.in_(sa.bindparam(name, expanding=True))


class IdentifierOf:
    """A ``SearchParam.apply`` for a business identifier kept as a system and a value
    column: ``system|value`` matches both, ``value`` (or ``|value``) the value in any system."""

    def __init__(self, system: sa.ColumnElement, value: sa.ColumnElement) -> None:
        self.system = system
        self.value = value

    def __call__(self, statement: sa.Select, tokens: list[Token]) -> sa.Select:
        return statement.where(sa.or_(sa.false(), *(
            self.value == token.code if not token.system
            else sa.and_(self.system == token.system, self.value == token.code)
            for token in tokens if storable(token.code) and storable(token.system or ""))))


def storable(text: str) -> bool:
    """Whether ``text`` could be in a text column: a value with a NUL or a lone surrogate
    could not (and PostgreSQL refuses to compare with one), so it matches nothing."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def split_values(values: list[str]) -> list[str]:
    """Repeated parameters are AND, commas inside one are OR; here both simply list values."""
    return [v for value in values for v in value.split(",") if v]


def parsed_filter(handler: ResourceHandler, name: str, values: list[str]) -> Any:
    """The values of the search parameter ``name`` (perhaps chained) as its handler takes them."""
    base, _, chain = name.partition(".")
    param = handler.search_params[base]
    if chain:
        if param.type != "reference":
            raise FhirError(400, f"{base} is not a reference: it cannot be chained",
                            code="not-supported")
        return _chained_ids(param, chain, values)
    if param.type == "reference":
        return _referenced_ids(param, values)
    return typed(param, values)


def typed(param: SearchParam, values: list[str]) -> Any:
    if param.type == "token":
        return [Token(*parse_token(v)) for v in split_values(values)]
    if param.type == "date":
        return [DateValue(*parse_date_prefix(v)) for v in values]
    return values


def _target(param: SearchParam) -> ResourceHandler:
    target = handler_for(param.target or "")
    if target is None:  # a handler naming a type that is not served: a programming error
        raise LookupError(f"no handler for the reference target {param.target}")
    return target


def _referenced_ids(param: SearchParam, values: list[str]) -> sa.Select:
    target = _target(param)
    ids = []
    for value in split_values(values):
        path = urlsplit(value).path if "://" in value else value
        kind, _, raw = path.rstrip("/").rpartition("/")
        if kind.rsplit("/", 1)[-1] not in ("", target.resource_type):
            raise FhirError(400, f"{value} is not a reference to a {target.resource_type}",
                            code="invalid")
        number = target.parse_id(raw)
        if number is not None:
            ids.append(number)
    return sa.select(target.model.id).where(target.model.id.in_(ids))


def _chained_ids(param: SearchParam, chain: str, values: list[str]) -> sa.Select:
    target = _target(param)
    chained = target.search_params.get(chain)
    if chained is None or chained.type == "reference":
        raise FhirError(400, f"{target.resource_type} cannot be searched by {chain} in a chain",
                        code="not-supported")
    return chained.apply(sa.select(target.model.id), typed(chained, values))


# --- building blocks for the handlers' search parameters -----------------------------


def codes_of(enum_class: type[StrEnum]) -> Callable[[list[Token]], list[str]]:
    """For ``AnyOf``: the tokens that are values of ``enum_class`` (any system)."""
    values = {member.value for member in enum_class}
    return lambda tokens: [t.code for t in tokens if t.code in values]


class ReferenceIn:
    """A ``SearchParam.apply`` for a reference kept as the target's id in ``column``: the
    column is one of the ids the subquery finds (a chain's, or the references given)."""

    def __init__(self, column: sa.ColumnElement) -> None:
        self.column = column

    def __call__(self, statement: sa.Select, ids: sa.Select) -> sa.Select:
        return statement.where(self.column.in_(ids))


def of_people(column: sa.ColumnElement) -> ReferenceIn:
    """A reference to Patient: ``column`` is one of the people the subquery finds."""
    return ReferenceIn(column)


class ChainedAnyOf(AnyOf):
    """A chain through a :class:`ReferenceIn` to an :class:`AnyOf` of the target
    (``patient.identifier``), itself an ``AnyOf``: a search binds its values into a
    statement built once, as for a plain parameter, instead of building the subquery on
    every request. Its values are the chained parameter's (:meth:`parse`)."""

    def __init__(self, reference: ReferenceIn, target_id: sa.ColumnElement,
                 chained: SearchParam) -> None:
        super().__init__(chained.apply.column, chained.apply.values_of)
        self.reference, self.target_id, self.chained = reference, target_id, chained

    def __call__(self, statement: sa.Select, values: Any) -> sa.Select:
        return self.reference(statement, sa.select(self.target_id).where(
            self.column.in_(self.values_of(values))))

    def condition(self, name: str, *, as_array: bool = False,
                  one: bool = False) -> sa.ColumnElement[bool]:
        return self.reference.column.in_(sa.select(self.target_id).where(
            super().condition(name, as_array=as_array, one=one)))

    def parse(self, values: list[str]) -> Any:
        return typed(self.chained, values)


def bindable(handler: ResourceHandler, name: str) -> AnyOf | None:
    """The :class:`AnyOf` a search can bind for the parameter ``name`` of ``handler``
    (plain, or chained as :class:`ChainedAnyOf`); None for any other kind."""
    base, _, chain = name.partition(".")
    param = handler.search_params.get(base)
    if param is None:
        return None
    if not chain:
        return param.apply if isinstance(param.apply, AnyOf) else None
    target = handler_for(param.target or "") if param.type == "reference" else None
    chained = target.search_params.get(chain) if target is not None else None
    if (chained is None or not isinstance(param.apply, ReferenceIn)
            or type(chained.apply) is not AnyOf):
        return None
    return ChainedAnyOf(param.apply, target.model.id, chained)


def bound_values(handler: ResourceHandler, any_of: AnyOf, name: str, values: list[str]) -> list:
    """The column values to bind for ``name`` (its :func:`bindable` ``any_of``): a chain's
    are its chained parameter's, not the subquery ``parsed_filter`` builds."""
    parsed = (any_of.parse(values) if isinstance(any_of, ChainedAnyOf)
              else parsed_filter(handler, name, values))
    return any_of.values_of(parsed)


def at(column: sa.ColumnElement) -> Callable[[sa.Select, list[DateValue]], sa.Select]:
    """A date parameter: every comparison holds for ``column``."""

    def apply(statement: sa.Select, dates: list[DateValue]) -> sa.Select:
        for value in dates:
            statement = statement.where(value.condition(column))
        return statement

    return apply
