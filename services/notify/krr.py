"""The national contact and reservation register (KRR, Digdir's kontaktregister).

Modelled on its REST lookup: ``POST <url>/rest/v1/personer`` with
``{"personidentifikatorer": ["<fnr>"]}`` answers ``{"personer": [{"personidentifikator",
"reservasjon": "JA"|"NEI", "status": "AKTIV"|"SLETTET"|"IKKE_REGISTRERT",
"varslingsstatus": "KAN_VARSLES"|"KAN_IKKE_VARSLES", "kontaktinformasjon":
{"epostadresse", "mobiltelefonnummer", ...}}]}``. A person reserved against digital
contact (eForvaltningsforskriften § 15 a) gets no SMS or e-mail from us; contact details
KRR says may not be used for notices (``KAN_IKKE_VARSLES``: not confirmed for 18 months,
§ 32) are not used.

The identity number goes in the request body, never in a URL, a log line or an error.
Maskinporten's bearer token is not this adapter's business: in production ``KRR_URL``
points at the gateway that adds it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import requests

from services.outbox import TemporaryFailure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KrrEntry:
    """What KRR says about one person."""

    reserved: bool
    #: As registered, None when there is none or KRR may not be used for notices.
    mobile: str | None = None
    email: str | None = None


NOT_REGISTERED = KrrEntry(reserved=False)


class KrrUnavailable(TemporaryFailure):
    """KRR did not answer, or not usefully: try again later. No personal data inside."""


#: Identity numbers in one lookup: KRR's own limit per request.
MAX_LOOKUP = 1000


class ContactRegister(Protocol):
    def lookup(self, national_id: str) -> KrrEntry: ...

    def lookup_many(self, national_ids: Sequence[str]) -> dict[str, KrrEntry]: ...


class NoContactRegister:
    """No ``KRR_URL`` (the embedded default): nobody is reserved, KRR knows no address."""

    def lookup(self, national_id: str) -> KrrEntry:
        return NOT_REGISTERED

    def lookup_many(self, national_ids: Sequence[str]) -> dict[str, KrrEntry]:
        return dict.fromkeys(national_ids, NOT_REGISTERED)


@dataclass(frozen=True)
class HttpContactRegister:
    url: str
    #: (connect, read) seconds: a send waits on this, and a slow KRR must not hold a
    #: worker for long; the outbox retries.
    timeout: tuple[float, float] = (3.05, 10.0)

    def lookup(self, national_id: str) -> KrrEntry:
        return self.lookup_many([national_id])[national_id]

    def lookup_many(self, national_ids: Sequence[str]) -> dict[str, KrrEntry]:
        """Each number's entry, asked :data:`MAX_LOOKUP` at a time."""
        wanted = list(dict.fromkeys(national_ids))
        found: dict[str, KrrEntry] = {}
        for start in range(0, len(wanted), MAX_LOOKUP):
            found |= self._ask(wanted[start:start + MAX_LOOKUP])
        return found

    def _ask(self, national_ids: list[str]) -> dict[str, KrrEntry]:
        try:
            response = requests.post(f"{self.url.rstrip('/')}/rest/v1/personer",
                                     json={"personidentifikatorer": national_ids},
                                     headers={"Accept": "application/json"},
                                     timeout=self.timeout)
        except requests.RequestException as exc:
            raise KrrUnavailable(f"KRR unreachable ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise KrrUnavailable(f"KRR answered {response.status_code}",
                                 retry_after=_retry_after(response))
        try:
            people = response.json()["personer"]
            entries = {p.get("personidentifikator"): p for p in people}
        except (ValueError, KeyError, TypeError, AttributeError):
            raise KrrUnavailable("KRR answered with an unreadable body") from None
        return {number: NOT_REGISTERED if number not in entries else _entry(entries[number])
                for number in national_ids}


def _entry(person: dict[str, Any]) -> KrrEntry:
    if not isinstance(person, dict):
        raise KrrUnavailable("KRR answered with an unreadable body")
    reserved = person.get("reservasjon") == "JA"
    usable = (person.get("status") == "AKTIV"
              and person.get("varslingsstatus") != "KAN_IKKE_VARSLES")
    details = person.get("kontaktinformasjon") or {}
    if not usable or reserved or not isinstance(details, dict):
        return KrrEntry(reserved=reserved)
    return KrrEntry(reserved=False, mobile=_text(details.get("mobiltelefonnummer")),
                    email=_text(details.get("epostadresse")))


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _retry_after(response: requests.Response) -> timedelta | None:
    value = response.headers.get("Retry-After", "")
    return timedelta(seconds=int(value)) if value.isdigit() else None


_register: ContactRegister = NoContactRegister()


def configure_krr(*, url: str | None) -> None:
    """Use KRR at ``url``, or none (the app factory calls this)."""
    global _register
    _register = HttpContactRegister(url=url) if url else NoContactRegister()


def contact_register() -> ContactRegister:
    return _register
