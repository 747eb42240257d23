"""Whose notification settings a citizen may see and change.

Herself, always. Someone she represents only where the representation covers every area:
notices come from every service (appointments, questionnaires, records), and the number or
address they go to would carry them all. So a parent of a child under 12 and the holder of
a fullmakt for every area may; a parent of a 12–15-year-old may not (from 12 the record is
the child's own, and a notice about a new document would reach the parent), nor may a
fullmakt for some areas only.
"""

from __future__ import annotations

from services.people.representation import ALL_AREAS, Basis, Representation


def may_manage_settings(representation: Representation) -> bool:
    return representation.basis is Basis.SELF or representation.areas >= ALL_AREAS
