"""Who is doing something: every service function takes one, explicitly."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    PERSON = "person"
    STAFF = "staff"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    #: Person id, staff member id, or OAuth client id.
    id: str
    #: For staff: the organisation they are acting in.
    organisation_id: int | None = None
    #: For a citizen acting as representative: the person they act for.
    on_behalf_of: int | None = None
    #: Correlates the audit row with logs.
    request_id: str | None = None

    @property
    def ref(self) -> str:
        """``person:12``, ``staff:3``, ``system:helsenorge``: who, in one stored string."""
        return f"{self.kind.value}:{self.id}"

    @classmethod
    def person(cls, person_id: int, *, on_behalf_of: int | None = None,
               request_id: str | None = None) -> Actor:
        return cls(ActorKind.PERSON, str(person_id), on_behalf_of=on_behalf_of,
                   request_id=request_id)

    @classmethod
    def staff(cls, staff_id: int, *, organisation_id: int | None,
              request_id: str | None = None) -> Actor:
        return cls(ActorKind.STAFF, str(staff_id), organisation_id=organisation_id,
                   request_id=request_id)

    @classmethod
    def system(cls, client_id: str, *, request_id: str | None = None) -> Actor:
        return cls(ActorKind.SYSTEM, client_id, request_id=request_id)

    @classmethod
    def operator(cls, name: str = "cli") -> Actor:
        """Someone at the command line (``flask --app wsgi ...``)."""
        return cls(ActorKind.SYSTEM, f"operator:{name}")
