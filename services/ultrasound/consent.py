"""The early scan's consent. The early scan is prenatal diagnostics (fosterdiagnostikk,
bioteknologiloven § 4-3), so it needs her informed, written consent: she reads the
information (its version is stored with her decision), then consents or refuses. Every
decision is kept; the one in force is the newest that is not revoked. She may revoke it,
and decide again.

It is her own decision: a representative (a parent, a fullmakt holder) may see whether
there is one, never make or revoke it (``NotHerOwnDecision``). Without consent the early
scan cannot be self-booked (``selfservice``).

Each decision and revocation is also a consent receipt (``services.people.receipts``):
her consent history shows them beside her blocks and fullmakter.
"""

from __future__ import annotations

import sqlalchemy as sa

from services import audit
from services.actors import Actor, ActorKind
from services.clock import utcnow
from services.db import db
from services.people import receipts
from services.ultrasound.models import ConsentDecision, EarlyScanConsent

#: The version of the information text the consent page shows (templates/ultrasound/
#: _consent_information.html). Change it when the text changes in substance: a decision
#: then names the text she actually read.
INFORMATION_VERSION = "2026-12"
PURPOSE = "self-service"


#: ``in_force``'s query, built once (every view of her scans reads it).
_IN_FORCE = (sa.select(EarlyScanConsent)
             .where(EarlyScanConsent.person_id == sa.bindparam("person_id"),
                    EarlyScanConsent.revoked_at.is_(None))
             .order_by(EarlyScanConsent.decided_at.desc(), EarlyScanConsent.id.desc())
             .limit(1))


class ConsentError(Exception):
    """Base of the consent rules' refusals."""


class NotHerOwnDecision(ConsentError):
    """Only the woman herself may consent, refuse or revoke."""


class OutdatedInformation(ConsentError):
    """The decision names an information text other than the current one."""


class NothingToRevoke(ConsentError):
    """No decision is in force."""


def actor_label(actor: Actor) -> str:
    """Who decided, as stored with the decision (``person:12``, ``person:7/for:12``)."""
    label = actor.ref
    return label if actor.on_behalf_of is None else f"{label}/for:{actor.on_behalf_of}"


def in_force(*, person_id: int) -> EarlyScanConsent | None:
    """The decision in force (newest, not revoked), unaudited: for the rules, not to show."""
    return db.session.scalars(_IN_FORCE, {"person_id": person_id}).first()


def has_consented(*, person_id: int) -> bool:
    return is_consent(in_force(person_id=person_id))


def is_consent(decision: EarlyScanConsent | None) -> bool:
    """Whether this decision in force (``in_force``'s) lets the early scan go ahead."""
    return decision is not None and decision.decision is ConsentDecision.CONSENTED


def consent_of(*, person_id: int, actor: Actor) -> EarlyScanConsent | None:
    """The decision in force, read for her or her representative (audited)."""
    found = in_force(person_id=person_id)
    audit.record_all(actor=actor, purpose=PURPOSE,
                     accesses=[read_access(person_id=person_id, found=found)])
    return found


def read_access(*, person_id: int, found: EarlyScanConsent | None) -> audit.Access:
    """The audit row for ``found``, her decision in force, read to be shown."""
    return audit.Access(action="read", resource_type="EarlyScanConsent",
                        resource_id=found.id if found else None, subject_person_id=person_id)


def decide(*, person_id: int, decision: ConsentDecision, information_version: str,
           actor: Actor) -> EarlyScanConsent:
    """Record her consent or refusal, having read ``information_version``."""
    _her_own(person_id=person_id, actor=actor)
    if information_version != INFORMATION_VERSION:
        raise OutdatedInformation(information_version)
    recorded = EarlyScanConsent(person_id=person_id, decision=decision, decided_at=utcnow(),
                                actor=actor_label(actor),
                                information_version=information_version)
    db.session.add(recorded)
    db.session.flush()
    audit.record(actor=actor, action="create", resource_type="EarlyScanConsent",
                 resource_id=recorded.id, subject_person_id=person_id, purpose=PURPOSE,
                 reason=decision.value)
    receipts.record(person_id=person_id, change=f"early-scan-{decision.value}", actor=actor,
                    consent_id=recorded.id, information_version=information_version)
    return recorded


def revoke(*, person_id: int, actor: Actor) -> EarlyScanConsent:
    """Withdraw the decision in force; the row stays, with the time it was revoked."""
    _her_own(person_id=person_id, actor=actor)
    found = db.session.scalars(_IN_FORCE.with_for_update(), {"person_id": person_id}).first()
    if found is None:
        raise NothingToRevoke(person_id)
    # Every earlier decision still unrevoked goes too: revoking must not bring an older
    # one back into force.
    db.session.execute(
        sa.update(EarlyScanConsent)
        .where(EarlyScanConsent.person_id == person_id, EarlyScanConsent.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.refresh(found)
    audit.record(actor=actor, action="update", resource_type="EarlyScanConsent",
                 resource_id=found.id, subject_person_id=person_id, purpose=PURPOSE,
                 reason="revoked")
    receipts.record(person_id=person_id, change="early-scan-revoked", actor=actor,
                    consent_id=found.id)
    return found


def _her_own(*, person_id: int, actor: Actor) -> None:
    if (actor.kind is not ActorKind.PERSON or actor.on_behalf_of is not None
            or actor.id != str(person_id)):
        raise NotHerOwnDecision(person_id)
