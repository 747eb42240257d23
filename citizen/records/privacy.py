"""Her privacy on the web: her blocks (set and lift), her own online access (remove and
restore), and her consent history with its download (CSV for people, JSON for programs).

Whose: the person the citizen acts for, when the representation covers records (a parent
of a child under 12, a fullmakt holder with records, herself); otherwise the page says so
(403). Every form works without JavaScript; a refusal is shown on the form (4xx), nothing
she typed is lost, a success goes back to the page with a notice (303).

The download is CSV and JSON, not PDF: CSV opens in any spreadsheet and reads as a table
with a screen reader, JSON is the API's own shape for a program to take along; the history
is a plain table, and the record's PDF is the export's (``/records/export``).
"""

from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound

from citizen.auth.current import acting_for, login_required, person_label
from citizen.babel_cache import gettext as _
from citizen.ids import ID
from citizen.records.consent_present import history_items
from citizen.records.consent_text import actor_text, block_text, receipt_text
from services.people.models import Area, Person
from services.records import blocks, consent_history
from services.records.models import BlockKind

#: Ids are PostgreSQL integers (as citizen/api/blueprint.py says; not imported from there,
#: which imports this package).
blueprint = Blueprint("records_privacy", __name__)
PRIVACY_TEMPLATE = "records/privacy/privacy.html"
#: The page's choice lists stay short: her newest documents.
MAX_DOCUMENT_CHOICES = 200


def records_subject() -> Person | None:
    """The person whose record this is, or None when the representation does not cover
    records."""
    representation = acting_for()
    if representation is None or Area.RECORDS not in representation.areas:
        return None
    return representation.subject


def _not_covered():
    return render_template("records/privacy/not_covered.html"), 403


@blueprint.get("/records/privacy")
@login_required
def privacy_page():
    subject = records_subject()
    if subject is None:
        return _not_covered()
    return _privacy(subject)


@blueprint.post("/records/privacy/blocks")
@login_required
def add_block():
    subject = records_subject()
    if subject is None:
        return _not_covered()
    form = request.form
    kind = form.get("kind", "")
    entered = {name: form.get(name, "").strip()
               for name in ("kind", "organisation", "org_number", "document", "staff",
                            "hpr_number")}
    targets, errors = {}, {}
    if kind not in BlockKind._value2member_map_:
        errors["kind"] = _("Choose what to block.")
    elif kind == BlockKind.ORGANISATION:
        organisation_id = _int(entered["organisation"])
        if entered["org_number"]:
            found = blocks.find_organisation(org_number=entered["org_number"])
            if found is None:
                errors["org_number"] = _("We do not know an organisation with this number. "
                                         "An organisation number has 9 digits.")
            organisation_id = found.id if found else None
        if organisation_id is None and "org_number" not in errors:
            errors["organisation"] = _("Choose an organisation, or write its number.")
        targets["organisation_id"] = organisation_id
    elif kind == BlockKind.DOCUMENT:
        targets["document_id"] = _int(entered["document"])
        if targets["document_id"] is None:
            errors["document"] = _("Choose a document.")
    elif kind == BlockKind.STAFF:
        staff_id = _int(entered["staff"])
        if entered["hpr_number"]:
            found = blocks.find_staff(hpr_number=entered["hpr_number"])
            if found is None:
                errors["hpr_number"] = _("We do not know health personnel with this HPR "
                                         "number. An HPR number has 6 to 9 digits.")
            staff_id = found.id if found else None
        if staff_id is None and "hpr_number" not in errors:
            errors["staff"] = _("Choose a person, or write their HPR number.")
        targets["staff_id"] = staff_id
    if errors:
        return _privacy(subject, entered=entered, errors=errors, status=422)
    try:
        _block, created = blocks.add_block(person_id=subject.id, kind=BlockKind(kind),
                                           actor=g.actor, **targets)
    except blocks.NotFound:
        return _privacy(subject, entered=entered, status=422, errors={
            kind: _("We cannot find what you chose. Choose again.")})
    flash(_("The block is set.") if created else _("This block was already set."), "success")
    return redirect(url_for("records_privacy.privacy_page"), code=303)


@blueprint.post(f"/records/privacy/blocks/<{ID}:block_id>/lift")
@login_required
def lift_block(block_id: int):
    subject = records_subject()
    if subject is None:
        return _not_covered()
    try:
        blocks.lift_block(person_id=subject.id, block_id=block_id, actor=g.actor)
    except blocks.NotFound:
        raise NotFound() from None
    flash(_("The block is lifted."), "success")
    return redirect(url_for("records_privacy.privacy_page"), code=303)


@blueprint.post("/records/privacy/online-access")
@login_required
def online_access():
    subject = records_subject()
    if subject is None:
        return _not_covered()
    action = request.form.get("action", "")
    if action == "remove":
        if request.form.get("confirm") != "yes":
            return _privacy(subject, status=422, errors={"confirm": _(
                "Confirm that you understand that nobody can read the record online "
                "afterwards.")})
        blocks.remove_online_access(person_id=subject.id, actor=g.actor)
        flash(_("Online access to the record is removed. You can restore it here."), "success")
    elif action == "restore":
        blocks.restore_online_access(person_id=subject.id, actor=g.actor)
        flash(_("Online access to the record is restored."), "success")
    else:
        return _privacy(subject, status=422, errors={"action": _("Choose what to do.")})
    return redirect(url_for("records_privacy.privacy_page"), code=303)


@blueprint.get("/records/consent-history")
@login_required
def consent_history_page():
    subject = records_subject()
    if subject is None:
        return _not_covered()
    entries = consent_history.history_of(person_id=subject.id, actor=g.actor)
    rows = [(entry.receipt.occurred_at, receipt_text(entry), actor_text(entry))
            for entry in entries]
    return render_template("records/privacy/consent_history.html", rows=rows,
                           subject_label=person_label(subject))


@blueprint.get("/records/consent-history.csv")
@login_required
def consent_history_csv():
    subject = records_subject()
    if subject is None:
        return _not_covered()
    entries = consent_history.history_of(person_id=subject.id, actor=g.actor, action="export")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Time (UTC)"), _("Change"), _("Made by"), _("Code")])
    for entry in entries:
        writer.writerow([_csv_safe(entry.receipt.occurred_at.isoformat(timespec="seconds")),
                         _csv_safe(receipt_text(entry)), _csv_safe(actor_text(entry)),
                         entry.receipt.change])
    # A byte order mark, so that spreadsheets read the Norwegian letters as UTF-8.
    return _download("\ufeff" + out.getvalue(), "text/csv; charset=utf-8",
                     "samtykkehistorikk.csv")


@blueprint.get("/records/consent-history.json")
@login_required
def consent_history_json():
    subject = records_subject()
    if subject is None:
        return _not_covered()
    entries = consent_history.history_of(person_id=subject.id, actor=g.actor, action="export")
    body = json.dumps({"person": {"id": subject.id}, "items": history_items(entries)},
                      ensure_ascii=False, indent=2)
    return _download(body, "application/json", "samtykkehistorikk.json")


# -- the page behind them --------------------------------------------------------------

def _privacy(subject: Person, *, entered=None, errors=None, status=200):
    listed = blocks.blocks_of(person_id=subject.id, actor=g.actor)
    active = [(item, block_text(item)) for item in listed if item.is_active]
    lifted = [(item, block_text(item)) for item in listed if not item.is_active]
    values = entered or {"kind": "", "document": request.args.get("document", "")}
    if values.get("document") and not values.get("kind"):
        values["kind"] = BlockKind.DOCUMENT.value
    return render_template(
        PRIVACY_TEMPLATE, active=active, lifted=lifted, values=values, errors=errors or {},
        removal=blocks.current_removal(person_id=subject.id),
        organisations=blocks.organisations_holding(person_id=subject.id),
        documents=blocks.blockable_documents(person_id=subject.id, actor=g.actor,
                                             limit=MAX_DOCUMENT_CHOICES),
        staff=blocks.staff_who_have_read(person_id=subject.id),
        subject_label=person_label(subject),
        herself=subject.id == g.person.id), status


def _int(raw: str) -> int | None:
    """A form's id: ASCII digits (``int`` also takes ``'²'`` and ``'١'``), 1 to 2**31 - 1."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        return None
    return int(raw) if 0 < int(raw) <= 2**31 - 1 else None


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _download(body: str, content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
