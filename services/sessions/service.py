"""Start, find, touch and end login sessions; choose whom a citizen acts for.

The browser holds only a random token; the database holds its SHA-256, so a dump of
``web_sessions`` cannot be replayed. A plain hash is enough here (unlike identity numbers):
the token has 256 random bits, so there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from enum import StrEnum

import sqlalchemy as sa

from services import audit
from services.actors import Actor
from services.clock import utcnow
from services.db import db
from services.people.models import Person, StaffMember
from services.people.representation import Representation, representations
from services.people.service import NotFound, staff_roles
from services.people.vault import vault
from services.sessions.models import WebSession

#: Bytes of randomness in a session token (``secrets.token_urlsafe`` encodes them).
TOKEN_BYTES = 32
#: ``last_seen_at`` is written at most this often: one UPDATE per request would be wasted
#: work, and a minute is nothing against a 30-minute idle timeout.
TOUCH_EVERY = timedelta(minutes=1)


class SessionKind(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    *,
    kind: SessionKind,
    actor: Actor,
    absolute_timeout: timedelta,
    person_id: int | None = None,
    staff_id: int | None = None,
    organisation_id: int | None = None,
    acr: str | None = None,
    id_token: str | None = None,
) -> tuple[WebSession, str]:
    """Create a session and return it with its token; only the token's hash is stored."""
    if (kind is SessionKind.CITIZEN) != (person_id is not None and staff_id is None):
        raise ValueError("a citizen session has a person, a staff session a staff member")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    web_session = WebSession(
        token_hash=hash_token(token),
        kind=kind.value,
        person_id=person_id,
        staff_id=staff_id,
        organisation_id=organisation_id,
        acr=acr,
        id_token_encrypted=vault().encrypt(id_token) if id_token else None,
        created_at=now,
        last_seen_at=now,
        expires_at=now + absolute_timeout,
    )
    db.session.add(web_session)
    db.session.flush()
    audit.record(actor=actor, action="login", resource_type="Session",
                 resource_id=web_session.id, subject_person_id=person_id,
                 purpose="authentication")
    return web_session, token


def find_session(*, token: str, idle_timeout: timedelta) -> WebSession | None:
    """The live session for ``token``: not ended, not past its absolute or idle limit."""
    if not token:
        return None
    web_session = db.session.scalar(
        sa.select(WebSession).where(WebSession.token_hash == hash_token(token))
    )
    if web_session is None or not is_live(web_session, idle_timeout=idle_timeout):
        return None
    return web_session


def is_live(web_session: WebSession, *, idle_timeout: timedelta) -> bool:
    now = utcnow()
    return (web_session.ended_at is None
            and now < web_session.expires_at
            and now < web_session.last_seen_at + idle_timeout)


def touch_session(*, web_session: WebSession) -> None:
    """Note activity now, which pushes the idle timeout forward (never the absolute one)."""
    now = utcnow()
    if now - web_session.last_seen_at >= TOUCH_EVERY:
        web_session.last_seen_at = now
        db.session.flush()


def end_session(*, web_session: WebSession, actor: Actor) -> None:
    """Log out: the token stops working at once. Ending an ended session changes nothing."""
    if web_session.ended_at is not None:
        return
    web_session.ended_at = utcnow()
    db.session.flush()
    audit.record(actor=actor, action="logout", resource_type="Session",
                 resource_id=web_session.id, subject_person_id=web_session.person_id,
                 purpose="authentication")


def id_token_of(web_session: WebSession) -> str | None:
    """The id_token the provider issued at login (``id_token_hint`` at logout)."""
    if web_session.id_token_encrypted is None:
        return None
    return vault().decrypt(web_session.id_token_encrypted)


def act_for(*, web_session: WebSession, person: Person, subject_id: int, actor: Actor,
            today: date) -> Representation:
    """Let the logged-in ``person`` act for ``subject_id``, if they may today.

    Raises ``NotFound`` otherwise: whether someone else exists is not the person's business.
    """
    chosen = next((rep for rep in representations(actor=person, today=today)
                   if rep.subject.id == subject_id), None)
    if chosen is None or web_session.person_id != person.id:
        audit.record_refusal(actor=actor, kind="not_represented", target=f"Person/{subject_id}")
        raise NotFound("person")
    web_session.acting_for_person_id = None if subject_id == person.id else subject_id
    db.session.flush()
    acting = Actor.person(person.id, on_behalf_of=web_session.acting_for_person_id,
                          request_id=actor.request_id)
    audit.record(actor=acting, action="act-for", resource_type="Session",
                 resource_id=web_session.id, subject_person_id=subject_id,
                 purpose="self-service")
    return chosen


def choose_organisation(*, web_session: WebSession, staff: StaffMember, organisation_id: int,
                        actor: Actor) -> None:
    """Let a staff member work in one of the organisations they hold roles in."""
    if web_session.staff_id != staff.id or organisation_id not in staff_roles(staff):
        raise NotFound("organisation")
    web_session.organisation_id = organisation_id
    db.session.flush()
    audit.record(actor=Actor.staff(staff.id, organisation_id=organisation_id,
                                   request_id=actor.request_id),
                 action="update", resource_type="Session", resource_id=web_session.id,
                 purpose="authentication")
