"""Wound-surveillance data for the issue-13 benchmarks, loaded in bulk: people, and
operations with their follow-up cases, by COPY on a psycopg connection of the loader's own.

    with bulk_connection(scratch.database_url) as conn:
        people = load_people(conn, 6000)
        load_cases(conn, [Case(person_id=..., organisation_id=..., ...), ...])

The connection is not the SQLAlchemy session's (``ssi_statistics.py``'s first loader
stalled copying through that one); ids are taken from the tables' own sequences before the
COPY, so the application's later inserts continue after them. Call it with the identity
vault configured (inside ``create_app().app_context()``): names are stored as the register
stores them, the identity number encrypted, its lookup hash random (nobody searches by it).
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

QUESTIONNAIRE = "https://minhelse.no/fhir/Questionnaire/wound-infection-followup"
GIVEN = ("Kari", "Ola", "Ingrid", "Per", "Anne", "Jon", "Sigrid", "Lars", "Marit", "Nils")
FAMILY = ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
          "Kristiansen", "Jensen", "Berg")


@dataclass(frozen=True)
class Case:
    """One operation and its follow-up case, as the loader writes them."""

    person_id: int
    organisation_id: int
    category: str
    performed_at: datetime
    due_on: date
    state: str
    invited_at: datetime | None = None
    reminders_sent: int = 0
    answered_at: datetime | None = None
    answered_via: str | None = None
    red_flags: Sequence[str] = field(default_factory=tuple)
    triage_score: int | None = None
    flagged: bool = False
    status: str = "completed"
    nnis_index: int = 0
    unit_id: int | None = None


@contextlib.contextmanager
def bulk_connection(database_url: str) -> Iterator:
    """A psycopg connection of the loader's own; committed on a clean exit, then ANALYZE."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        yield conn
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")


def reserve_ids(conn, table: str, count: int) -> list[int]:
    """``count`` ids from ``table``'s own sequence."""
    rows = conn.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                        "FROM generate_series(1, %s)", (table, count)).fetchall()
    return [row[0] for row in rows]


def copy_rows(conn, table: str, columns: Sequence[str], rows) -> None:
    with conn.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load_people(conn, count: int) -> list[int]:
    """``count`` people with Norwegian names; their ids."""
    from services.people.vault import vault

    ids = reserve_ids(conn, "people", count)
    now = datetime.now(UTC)
    encrypt = vault().encrypt
    copy_rows(conn, "people", (
        "id", "national_id_hash", "national_id_encrypted", "national_id_kind", "given_name",
        "family_name", "birth_date", "language", "created_at", "updated_at", "version_id"),
        ((person_id, secrets.token_hex(32), encrypt(f"0101{n:07d}"), "fnr",
          GIVEN[n % len(GIVEN)], f"{FAMILY[n // len(GIVEN) % len(FAMILY)]} {n}",
          date(1940 + n % 60, 1 + n % 12, 1 + n % 28), "nb", now, now, 1)
         for n, person_id in enumerate(ids)))
    return ids


def load_cases(conn, cases: Sequence[Case]) -> list[int]:
    """The operations and their cases; the cases' ids, in order."""
    operations = reserve_ids(conn, "wound_operations", len(cases))
    follow_ups = reserve_ids(conn, "wound_follow_ups", len(cases))
    now = datetime.now(UTC)
    copy_rows(conn, "wound_operations", (
        "id", "person_id", "identifier_system", "identifier_value", "status", "category",
        "performed_at", "duration_minutes", "asa_class", "wound_class", "emergency",
        "antibiotic_prophylaxis", "endoscopic", "implant", "organisation_id", "unit_id",
        "nnis_index", "created_at", "updated_at", "version_id"),
        ((op, c.person_id, "urn:bench", f"op-{op}", c.status, c.category, c.performed_at,
          60, 2, 2, False, True, False, False, c.organisation_id, c.unit_id, c.nnis_index,
          now, now, 1) for op, c in zip(operations, cases, strict=True)))
    copy_rows(conn, "wound_follow_ups", (
        "id", "operation_id", "person_id", "organisation_id", "due_on", "state",
        "questionnaire_url", "questionnaire_version", "invited_at", "reminders_sent",
        "answered_at", "answered_via", "red_flags", "triage_score", "flagged", "created_at",
        "updated_at", "version_id"),
        ((case_id, op, c.person_id, c.organisation_id, c.due_on, c.state, QUESTIONNAIRE,
          "1.0", c.invited_at, c.reminders_sent, c.answered_at, c.answered_via,
          json.dumps(list(c.red_flags)), c.triage_score, c.flagged, now, now, 1)
         for case_id, op, c in zip(follow_ups, operations, cases, strict=True)))
    return follow_ups

