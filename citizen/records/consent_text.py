"""Words for her blocks, fullmakter and consent receipts, in the reader's language: the
privacy, proxies and consent-history pages, the download and the API's ``summary``."""

from __future__ import annotations

from datetime import date

from citizen.babel_cache import gettext as _
from citizen.i18n import day
from services.people.models import Area
from services.records.blocks import ListedBlock
from services.records.consent_history import Entry
from services.records.models import BlockKind


def area_name(area: Area | str) -> str:
    names = {Area.APPOINTMENTS.value: _("Appointments"),
             Area.QUESTIONNAIRES.value: _("Questionnaires"), Area.RECORDS.value: _("Health record")}
    value = area.value if isinstance(area, Area) else str(area)
    return names.get(value, value)


def area_names(areas) -> str:
    return ", ".join(sorted(area_name(a) for a in areas))


def block_text(listed: ListedBlock) -> str:
    """What a block keeps, in a sentence."""
    block = listed.block
    if block.kind is BlockKind.EVERYTHING:
        return _("Everything in your record is kept from other hospitals and services")
    if block.kind is BlockKind.ORGANISATION:
        return _("Documents from %(organisation)s are kept from other hospitals and services",
                 organisation=block.organisation.name if block.organisation else "?")
    if block.kind is BlockKind.DOCUMENT:
        if listed.document_title is None:
            return _("A document is kept from other hospitals and services")
        return _("The document “%(title)s” is kept from other hospitals and services",
                 title=listed.document_title)
    return _("%(name)s cannot see your record", name=block.staff.name if block.staff else "?")


def receipt_text(entry: Entry) -> str:
    """What changed, in a sentence (who did it is said beside it: ``actor_text``)."""
    details, names = entry.receipt.details, entry.names
    change = entry.receipt.change
    kind = details.get("kind")
    if change in ("block-added", "block-lifted"):
        added = change == "block-added"
        if kind == "everything":
            return (_("Blocked sharing of everything in the record") if added
                    else _("Lifted the block on sharing everything in the record"))
        if kind == "organisation":
            name = names.get("organisation", _("an organisation"))
            return (_("Blocked sharing of documents from %(name)s", name=name) if added
                    else _("Lifted the block on documents from %(name)s", name=name))
        if kind == "document":
            title = names.get("document")
            if title is None:
                return (_("Blocked sharing of a document") if added
                        else _("Lifted the block on a document"))
            return (_("Blocked sharing of the document “%(title)s”", title=title) if added
                    else _("Lifted the block on the document “%(title)s”", title=title))
        name = names.get("staff", _("a staff member"))
        return (_("Blocked %(name)s from the record", name=name) if added
                else _("Lifted the block on %(name)s", name=name))
    if change == "online-access-removed":
        return _("Removed online access to the record")
    if change == "online-access-restored":
        return _("Restored online access to the record")
    someone = _("someone")
    period = {"areas": area_names(details.get("areas", ())),
              "start": _day(details.get("starts_on")), "end": _day(details.get("ends_on"))}
    if change == "fullmakt-granted":
        return _("Gave %(name)s a fullmakt for %(areas)s, %(start)s to %(end)s",
                 name=names.get("recipient", someone), **period)
    if change == "fullmakt-received":
        return _("Was given a fullmakt by %(name)s for %(areas)s, %(start)s to %(end)s",
                 name=names.get("giver", someone), **period)
    if change == "fullmakt-revoked":
        return _("Revoked the fullmakt given to %(name)s", name=names.get("recipient", someone))
    if change == "fullmakt-revoked-by-giver":
        return _("%(name)s revoked the fullmakt given to you", name=names.get("giver", someone))
    if change == "guardians-withheld":
        return _("Kept %(area)s from parents", area=area_name(details.get("area", "")))
    if change == "guardians-released":
        return _("Let parents see %(area)s again", area=area_name(details.get("area", "")))
    if change == "early-scan-consented":
        return _("Consented to the early ultrasound scan")
    if change == "early-scan-refused":
        return _("Said no to the early ultrasound scan")
    if change == "early-scan-revoked":
        return _("Withdrew the answer about the early ultrasound scan")
    return change


def actor_text(entry: Entry) -> str:
    """Who made the change."""
    if entry.actor_is_herself:
        return _("You")
    if entry.actor_name:
        return entry.actor_name
    if entry.receipt.actor_kind == "staff":
        return _("Health personnel")
    if entry.receipt.actor_kind == "system":
        return _("The hospital's system")
    return _("Someone acting for you")


def _day(raw) -> str:
    try:
        return day(date.fromisoformat(raw))
    except (TypeError, ValueError):
        return "?"
