"""Where a notice can reach a person, looked up when it is decided and again when it is sent
(people change numbers).

Each address comes from the first source that has one: the citizen's own settings, then the
hospital's (``Person.mobile`` / ``email``, from ``Patient.telecom``), then KRR. KRR is asked
every time, whichever source wins, because its reservation overrides them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.db import db
from services.notify.krr import KrrEntry, contact_register
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
    own = db.session.get(NotificationSettings, person.id)
    krr = contact_register().lookup(national_id_of(person))
    return _combined(own, person, krr)


def resolve_without_krr(person: Person) -> Contacts:
    """Own and hospital addresses only, for deciding while KRR is down (the channel asks
    KRR again before it sends)."""
    own = db.session.get(NotificationSettings, person.id)
    return _combined(own, person, KrrEntry(reserved=False))


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
