"""SMART on FHIR system scopes: parse them, and decide what a set of them allows.

Version 2 scopes name the permitted interactions in order: ``system/Appointment.crus`` is
create, read, update and search on appointments; ``system/*.rs`` reads and searches every
resource type. Version 1 scopes (``.read``, ``.write``, ``.*``) are understood as their
version 2 equivalents, so a client written against either works.

Only ``system/`` scopes exist here: the client-credentials grant has no user and no patient
in context. Fine-grained scopes with a query (``system/Observation.rs?category=...``) are
refused rather than widened to the whole resource type, because we could not enforce them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: Every permission, in the order SMART v2 requires them to be written.
PERMISSIONS = "cruds"
#: SMART v1 suffixes and the v2 permissions they mean.
_V1_PERMISSIONS = {"read": "rs", "write": "cud", "*": "cruds"}
#: FHIR interaction names a protected endpoint may name instead of a permission letter.
INTERACTIONS = {
    "create": "c",
    "read": "r",
    "vread": "r",
    "history": "r",
    "update": "u",
    "patch": "u",
    "delete": "d",
    "search": "s",
}
_SCOPE = re.compile(r"system/(?P<resource>\*|[A-Z][A-Za-z]{0,63})\.(?P<permissions>[a-z*]{1,5})")
#: Longest scope string accepted, a guard against absurd input.
MAX_SCOPE_LENGTH = 2000


class InvalidScope(ValueError):
    """Text that is not a scope we understand."""


@dataclass(frozen=True)
class SmartScope:
    #: ``*`` or a FHIR resource type such as ``Patient``.
    resource_type: str
    #: The permitted interactions as a subset of ``cruds``, in that order.
    permissions: str
    #: The scope as written (v1 scopes keep their spelling when granted).
    text: str

    def allows(self, resource_type: str, permission: str) -> bool:
        """Whether this scope permits ``permission`` (one of ``cruds``) on ``resource_type``."""
        return self.resource_type in ("*", resource_type) and permission in self.permissions

    def covers(self, other: SmartScope) -> bool:
        """Whether everything ``other`` permits, this scope permits too."""
        return (self.resource_type in ("*", other.resource_type)
                and set(other.permissions) <= set(self.permissions))

    def __str__(self) -> str:
        return self.text


def parse_scope(text: str) -> SmartScope:
    """Parse one ``system/<Type>.<permissions>`` scope; raise ``InvalidScope`` otherwise."""
    match = _SCOPE.fullmatch(text)
    if match is None:
        raise InvalidScope("scopes look like system/Patient.rs or system/*.cruds")
    suffix = match["permissions"]
    permissions = _V1_PERMISSIONS.get(suffix) or suffix
    if not _in_canonical_order(permissions):
        raise InvalidScope("permissions are a subset of cruds, written in that order")
    return SmartScope(resource_type=match["resource"], permissions=permissions, text=text)


def parse_scopes(text: str | Iterable[str]) -> tuple[SmartScope, ...]:
    """Parse space-separated scopes (or an iterable of them), dropping repeats."""
    if isinstance(text, str):
        if len(text) > MAX_SCOPE_LENGTH:
            raise InvalidScope("the scope list is too long")
        text = text.split()
    parsed: dict[str, SmartScope] = {}
    for item in text:
        parsed.setdefault(item, parse_scope(item))
    return tuple(parsed.values())


def format_scopes(scopes: Iterable[SmartScope]) -> str:
    """The space-separated form used in tokens and in the ``scope`` response field."""
    return " ".join(scope.text for scope in scopes)


def permission_for(interaction: str) -> str:
    """The permission letter for a FHIR interaction name (or a letter itself)."""
    permission = INTERACTIONS.get(interaction, interaction)
    if len(permission) != 1 or permission not in PERMISSIONS:
        raise ValueError(f"unknown interaction {interaction!r}")
    return permission


def allows(scopes: Iterable[SmartScope], resource_type: str, interaction: str) -> bool:
    """Whether any of ``scopes`` permits ``interaction`` on ``resource_type``."""
    permission = permission_for(interaction)
    return any(scope.allows(resource_type, permission) for scope in scopes)


def not_covered(requested: Iterable[SmartScope],
                allowed: Iterable[SmartScope]) -> list[SmartScope]:
    """The requested scopes the allowed ones do not cover (empty: the request may be granted).

    Permissions may come from different allowed scopes: ``system/Patient.crs`` is covered by
    ``system/Patient.c`` together with ``system/*.rs``.
    """
    allowed = tuple(allowed)
    return [
        want for want in requested
        if not all(any(have.covers(SmartScope(want.resource_type, permission, want.text))
                       for have in allowed)
                   for permission in want.permissions)
    ]


def _in_canonical_order(permissions: str) -> bool:
    positions = [PERMISSIONS.find(p) for p in permissions]
    return -1 not in positions and positions == sorted(set(positions))
