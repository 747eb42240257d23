"""Where a notice can reach a person, looked up when it is decided and again when it is sent
(people change numbers).

Each address comes from the first source that has one: the citizen's own settings, then the
hospital's (``Person.mobile`` / ``email``, from ``Patient.telecom``), then KRR. KRR is asked
every time, whichever source wins, because its reservation overrides them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.db import db
from services.notify.krr import NOT_REGISTERED, KrrEntry, contact_register
from services.notify.models import NotificationSettings
from services.people.models import Person
from services.people.service import national_id_of


@dataclass(frozen=True)
class Contacts:
    #: As stored at its source: the channel normalises it (and refuses an invalid one).
    mobile: str | None
    email: str | None
    #: Reserved against digital contact in KRR: no SMS, no e-mail, a letter instead.
    reserved: bool

    @property
    def reachable(self) -> bool:
        return not self.reserved and bool(self.mobile or self.email)


def resolve(person: Person) -> Contacts:
    """The person's addresses now; raises ``KrrUnavailable`` (a temporary failure) when KRR
    does not answer."""
    return resolve_many([person], {person.id: db.session.get(NotificationSettings, person.id)}
                        )[person.id]


def resolve_many(people: Sequence[Person], own: Mapping[int, NotificationSettings | None], *,
                 ask_krr: bool = True) -> dict[int, Contacts]:
    """:func:`resolve` for many people, by person id, with KRR asked for them all at once
    (``ask_krr=False``: as :func:`resolve_without_krr`); ``own`` is each one's stored
    settings, read by the caller (missing or None: she has none)."""
    if not ask_krr:
        return {p.id: _combined(own.get(p.id), p, NOT_REGISTERED) for p in people}
    numbers = {p.id: national_id_of(p) for p in people}
    found = contact_register().lookup_many(list(numbers.values()))
    return {p.id: _combined(own.get(p.id), p, found[numbers[p.id]]) for p in people}


def resolve_without_krr(person: Person) -> Contacts:
    """Own and hospital addresses only, for deciding while KRR is down (the channel asks
    KRR again before it sends)."""
    own = db.session.get(NotificationSettings, person.id)
    return resolve_many([person], {person.id: own}, ask_krr=False)[person.id]


def _combined(own: NotificationSettings | None, person: Person, krr: KrrEntry) -> Contacts:
    if krr.reserved:
        return Contacts(mobile=None, email=None, reserved=True)
    return Contacts(
        mobile=_first(own.mobile if own else None, person.mobile, krr.mobile),
        email=_first(own.email if own else None, person.email, krr.email),
        reserved=False,
    )


def _first(*candidates: str | None) -> str | None:
    return next((c.strip() for c in candidates if c and c.strip()), None)
