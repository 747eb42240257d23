"""``/api/v1/blocks``, ``/api/v1/proxies`` and ``/api/v1/consent-history``: her blocks, her
fullmakter both ways, and every change she has made.

Blocks and the consent history are of the person the citizen acts for, when the
representation covers records (403 otherwise). Fullmakter are each person's own: the
proxies endpoints need her to act for herself (403 while acting for someone else).
Another person's block or fullmakt id is 404, as is an id that names nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, g, jsonify

from citizen.api.operations import operation
from citizen.api.schemas import page_of
from citizen.auth.current import acting_for, current_citizen, login_required, person_label
from citizen.babel_cache import gettext as _
from citizen.errors import ApiError
from citizen.payloads import load_json
from citizen.records.consent_present import history_items
from citizen.records.consent_schemas import (
    EMPTY_BODY,
    NEW_BLOCK_BODY,
    BlockSchema,
    EmptySchema,
    FullmaktSchema,
    NewBlockSchema,
    NewFullmaktSchema,
    ProxiesSchema,
    ReceiptSchema,
)
from citizen.records.consent_text import block_text
from services.clock import today_in_norway
from services.db import db
from services.people.models import Area, Fullmakt, Person
from services.people.representation import Basis, fullmakt_areas
from services.people.service import NotFound as PeopleNotFound
from services.people.service import PeopleError, revoke_fullmakt
from services.records import blocks, consent_history, proxies
from services.records.models import BlockKind

TAGS = ("records",)
NOT_COVERED = "the representation does not cover the health record"
NOT_HERSELF = "fullmakter are each person's own: act for yourself to manage yours"
BLOCK_NOT_FOUND = {404: "No such block of the person one acts for."}


@operation(summary="Her blocks, those in force first", tags=TAGS,
           responses={200: page_of(BlockSchema)}, problems={403: NOT_COVERED})
@login_required
def list_blocks() -> Response:
    subject = _records_subject()
    listed = blocks.blocks_of(person_id=subject.id, actor=g.actor)
    return jsonify(page_of(BlockSchema)().dump(
        {"items": [_block_fields(item) for item in listed], "next": None}))


@operation(summary="Set a block", tags=TAGS, body=NEW_BLOCK_BODY,
           description="Body: exactly one of {\"document_id\": ..}, {\"organisation_id\": ..}, "
                       "{\"staff_id\": ..} or {\"everything\": true}. Setting a block that is "
                       "in force already answers 200 with that block.",
           responses={201: BlockSchema, 200: BlockSchema},
           problems={403: "Another origin, or a representation without the health record.",
                     404: "No such document of hers that she can see, no such organisation "
                          "or no such staff member."})
@login_required
def post_block() -> tuple[Response, int]:
    subject = _records_subject()
    body = load_json(NewBlockSchema())
    kind = (BlockKind.EVERYTHING if body.get("everything") else
            BlockKind.DOCUMENT if "document_id" in body else
            BlockKind.ORGANISATION if "organisation_id" in body else BlockKind.STAFF)
    targets = {k: v for k, v in body.items() if k != "everything"}
    try:
        block, created = blocks.add_block(person_id=subject.id, kind=kind, actor=g.actor,
                                          **targets)
    except blocks.NotFound as exc:
        raise ApiError(404, f"no such {exc}", title="Not Found") from None
    listed = blocks.block_of(person_id=subject.id, block_id=block.id, actor=g.actor)
    return jsonify(BlockSchema().dump(_block_fields(listed))), 201 if created else 200


@operation(summary="Lift a block", tags=TAGS,
           description="The block stays in her history, lifted; lifting it again changes "
                       "nothing. The body is {}: a change is sent as JSON (the API's rule "
                       "against cross-site requests).",
           body=EMPTY_BODY, responses={200: BlockSchema},
           problems={403: NOT_COVERED, **BLOCK_NOT_FOUND})
@login_required
def delete_block(block_id: int) -> Response:
    subject = _records_subject()
    load_json(EmptySchema())
    try:
        blocks.lift_block(person_id=subject.id, block_id=block_id, actor=g.actor)
    except blocks.NotFound:
        raise ApiError(404, "no such block", title="Not Found") from None
    listed = blocks.block_of(person_id=subject.id, block_id=block_id, actor=g.actor)
    return jsonify(BlockSchema().dump(_block_fields(listed)))


@operation(summary="Who may act for her, and for whom she may act, today", tags=TAGS,
           responses={200: ProxiesSchema}, problems={403: NOT_HERSELF})
@login_required
def list_proxies() -> Response:
    person = _herself()
    today = today_in_norway()
    found = proxies.proxies_of(person=person, today=today, actor=g.actor)
    return jsonify(ProxiesSchema().dump({
        "given": [_fullmakt_fields(item.fullmakt, today) for item in found.given],
        "received": [_fullmakt_fields(item.fullmakt, today) for item in found.received],
        "parents": [{"guardian": _person_ref(p.guardian), "areas": sorted(p.areas)}
                    for p in found.parents],
        "acts_for": [{"person": _person_ref(rep.subject), "basis": rep.basis.value,
                      "areas": sorted(rep.areas)} for rep in found.acts_for],
        "may_withhold_from_parents": found.may_withhold,
        "withheld_from_parents": sorted(found.withheld),
    }))


@operation(summary="Give a fullmakt", tags=TAGS, body=NewFullmaktSchema,
           description="To the person with this fødselsnummer or D-number, for the areas, "
                       "from starts_on (default today) to ends_on, both days included. The "
                       "same fullmakt again answers 200 with the one there is; a fullmakt "
                       "beside another (other areas or days) is a fullmakt of its own.",
           responses={201: FullmaktSchema, 200: FullmaktSchema},
           problems={403: NOT_HERSELF,
                     422: "Not a valid number, no one here can receive it, an age rule, or "
                          "dates that do not fit (see errors)."})
@login_required
def post_proxy() -> tuple[Response, int]:
    person = _herself()
    body = load_json(NewFullmaktSchema())
    today = today_in_norway()
    starts_on = body["starts_on"] or today
    errors = {}
    if starts_on < today:
        errors["starts_on"] = ["cannot be in the past"]
    if body["ends_on"] < starts_on:
        errors["ends_on"] = ["must not be before starts_on"]
    if errors:
        raise ApiError(422, "the dates do not fit", errors=errors)
    existing = set(_fullmakter_given(person))
    try:
        fullmakt = proxies.give_fullmakt(
            giver=person, recipient_national_id=body["national_id"],
            areas=[Area(a) for a in body["areas"]], starts_on=starts_on,
            ends_on=body["ends_on"], actor=g.actor)
    except proxies.InvalidRecipient as exc:
        raise ApiError(422, "the identity number is not valid",
                       errors={"national_id": [str(exc)]}) from None
    except PeopleError as exc:
        raise ApiError(422, str(exc), errors={"national_id": [str(exc)]}) from None
    return (jsonify(FullmaktSchema().dump(_fullmakt_fields(fullmakt, today))),
            200 if fullmakt.id in existing else 201)


@operation(summary="Revoke a fullmakt she has given", tags=TAGS,
           description="It ends at once: the recipient's next request no longer acts for her. "
                       "Only the giver may; to the recipient it is 404. The body is {}.",
           body=EMPTY_BODY, responses={200: FullmaktSchema},
           problems={403: NOT_HERSELF, 404: "No such fullmakt given by her."})
@login_required
def delete_proxy(fullmakt_id: int) -> Response:
    _herself()
    load_json(EmptySchema())
    try:
        fullmakt = revoke_fullmakt(fullmakt_id=fullmakt_id, actor=g.actor)
    except PeopleNotFound:
        raise ApiError(404, "no such fullmakt", title="Not Found") from None
    return jsonify(FullmaktSchema().dump(_fullmakt_fields(fullmakt, today_in_norway())))


@operation(summary="Her consent history, newest first", tags=TAGS,
           description="Every block, online-access change, fullmakt, area withheld from "
                       "parents and early-scan decision, with the time and who made it.",
           responses={200: page_of(ReceiptSchema)}, problems={403: NOT_COVERED})
@login_required
def consent_history_list() -> Response:
    subject = _records_subject()
    entries = consent_history.history_of(person_id=subject.id, actor=g.actor)
    return jsonify({"items": history_items(entries), "next": None})


# -- helpers -----------------------------------------------------------------------------

def _records_subject() -> Person:
    representation = acting_for()
    if representation is None or Area.RECORDS not in representation.areas:
        raise ApiError(403, NOT_COVERED, title="Forbidden")
    return representation.subject


def _herself() -> Person:
    representation = acting_for()
    if representation is None or representation.basis is not Basis.SELF:
        raise ApiError(403, NOT_HERSELF, title="Forbidden")
    return current_citizen()


def _fullmakter_given(person: Person) -> list[int]:
    return list(db.session.scalars(sa.select(Fullmakt.id).where(Fullmakt.giver_id == person.id)))


def _block_fields(item: blocks.ListedBlock) -> dict:
    block = item.block
    return {"id": block.id, "kind": block.kind.value, "document_id": block.document_id,
            "organisation_id": block.organisation_id, "staff_id": block.staff_id,
            "active": item.is_active, "created_at": block.created_at,
            "lifted_at": block.lifted_at, "summary": block_text(item)}


def _fullmakt_fields(fullmakt: Fullmakt, today) -> dict:
    return {"id": fullmakt.id, "giver": _person_ref(fullmakt.giver),
            "recipient": _person_ref(fullmakt.recipient), "areas": sorted(fullmakt.areas),
            "starts_on": fullmakt.starts_on, "ends_on": fullmakt.ends_on,
            "revoked_at": fullmakt.revoked_at,
            "in_force_today": bool(fullmakt_areas(fullmakt=fullmakt, today=today))}


def _person_ref(person: Person) -> dict:
    return {"id": person.id, "name": person_label(person) or _("Name not registered")}
