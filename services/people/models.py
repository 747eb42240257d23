"""People and organisations: citizens, staff, their roles, and who may act for whom."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.clock import utcnow
from services.db import db, str_enum


class AddressProtection(StrEnum):
    """Confidential address codes from the population register."""

    #: Code 6, "strengt fortrolig adresse": the address is strictly confidential.
    STRICT = "6"
    #: Code 7, "fortrolig adresse": the address is confidential.
    CONFIDENTIAL = "7"


class Area(StrEnum):
    """Service areas ("tjenesteområder") a representative can be given access to."""

    APPOINTMENTS = "appointments"
    QUESTIONNAIRES = "questionnaires"
    RECORDS = "records"


class Role(StrEnum):
    INFECTION_CONTROL = "infection_control"
    ULTRASOUND_CLINIC = "ultrasound_clinic"
    #: Answers citizens' questions about entries in their access log.
    RECORDS_OFFICER = "records_officer"
    ADMIN = "admin"


class Person(db.Model):
    """A citizen, known by fødselsnummer or D-number (see ``services.people.identity``)."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: HMAC-SHA256 of the identity number under the vault's hash key: for lookup only.
    national_id_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The identity number, Fernet-encrypted under the vault's encryption key.
    national_id_encrypted: Mapped[bytes] = mapped_column(sa.LargeBinary)
    #: ``fnr`` or ``dnr``.
    national_id_kind: Mapped[str] = mapped_column(sa.String(3))
    given_name: Mapped[str] = mapped_column(sa.String(200))
    family_name: Mapped[str] = mapped_column(sa.String(200))
    birth_date: Mapped[date]
    address_protection: Mapped[AddressProtection | None] = mapped_column(
        str_enum(AddressProtection, 1)
    )
    #: E.164 mobile number for notices ("+4791234567"); never used for health content.
    mobile: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    #: Preferred language of pages and notices: nb, nn or en.
    language: Mapped[str] = mapped_column(sa.String(2), default="nb")
    #: She needs an interpreter, in this language (ISO 639-1, e.g. "so"; ISO 639-3 where a
    #: language has no two-letter code, e.g. "nsl" Norwegian Sign Language). None: no need.
    #: Carried onto every booking (ultrasound).
    interpreter_language: Mapped[str | None] = mapped_column(sa.String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    #: Incremented on every change: the FHIR versionId and ETag, and optimistic locking.
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def has_protected_address(self) -> bool:
        return self.address_protection is not None

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class Organisation(db.Model):
    """A health trust, hospital or unit; units point at the organisation they belong to."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Enhetsregisteret organisation number (9 digits).
    org_number: Mapped[str] = mapped_column(sa.String(9), unique=True)
    #: RESH id: the national register of health units' id, used by quality registers.
    resh_id: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    #: Even the name would say too much (a clinic for one kind of illness): messages to
    #: citizens then name no sender at all.
    name_is_sensitive: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])


class StaffMember(db.Model):
    """Someone who works at an organisation: roles come from local assignments only."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Helsepersonellregisteret number; absent for staff who are not health personnel.
    hpr_number: Mapped[str | None] = mapped_column(sa.String(9), unique=True)
    #: Keyed hash of the identity number (the ``pid`` claim at login).
    national_id_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="staff", cascade="all, delete-orphan"
    )


class RoleAssignment(db.Model):
    __tablename__ = "role_assignments"
    __table_args__ = (sa.UniqueConstraint("staff_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    role: Mapped[Role] = mapped_column(str_enum(Role, 30))

    staff: Mapped[StaffMember] = relationship(back_populates="roles")
    organisation: Mapped[Organisation] = relationship()


class Guardianship(db.Model):
    """Parental responsibility ("foreldreansvar") as supplied by the hospital system."""

    __tablename__ = "guardianships"
    __table_args__ = (sa.UniqueConstraint("guardian_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    child_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    #: helsenorge gives parents access only while they share the child's registered address.
    shares_address: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    guardian: Mapped[Person] = relationship(foreign_keys=[guardian_id])
    child: Mapped[Person] = relationship(foreign_keys=[child_id])


class GuardianRestriction(db.Model):
    """An area a child aged 12–16 has withheld from their parents."""

    __tablename__ = "guardian_restrictions"
    __table_args__ = (sa.UniqueConstraint("child_id", "area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    area: Mapped[Area] = mapped_column(str_enum(Area, 20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Fullmakt(db.Model):
    """A power of attorney: the giver lets the recipient act for them in some areas."""

    __tablename__ = "fullmakter"

    id: Mapped[int] = mapped_column(primary_key=True)
    giver_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    #: Area values (see ``Area``) the recipient may act in.
    areas: Mapped[list[str]] = mapped_column(sa.JSON)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    giver: Mapped[Person] = relationship(foreign_keys=[giver_id])
    recipient: Mapped[Person] = relationship(foreign_keys=[recipient_id])


class ConsentReceipt(db.Model):
    """One change to what a person lets others see or do: a block set or lifted, a fullmakt
    given or revoked, an area withheld from parents, a consent given or withdrawn. Only ever
    inserted; the citizen's consent history (and its download) is these rows.

    ``change`` names the change (``block-added``, ``fullmakt-revoked`` ...); ``details`` holds
    ids and codes only, never free text, so the receipt says nothing the record does not.
    """

    __tablename__ = "consent_receipts"
    __table_args__ = (sa.Index("ix_consent_receipts_person_at", "person_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: ``person``, ``staff`` or ``system``, and its id (as in the audit trail).
    actor_kind: Mapped[str] = mapped_column(sa.String(10))
    actor_id: Mapped[str] = mapped_column(sa.String(100))
    change: Mapped[str] = mapped_column(sa.String(40))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
