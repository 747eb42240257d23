"""Her documents on the web: the list with its filter form (a GET form: works without
JavaScript, and the filtered list is a link she can keep), one document to read, its PDF.

Whose: the person the citizen acts for, when the representation covers records (a page
saying so, 403, otherwise); a document she may not see is 404 whatever the reason. While
she has removed her own online access, the list is a page saying how to restore it.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template, request, url_for
from werkzeug.exceptions import BadRequest, NotFound

from citizen.api.paging import PageArgs, keyset_page
from citizen.auth.current import login_required, person_label
from citizen.babel_cache import gettext as _
from citizen.i18n import parse_day
from citizen.ids import ID
from citizen.records import nav
from citizen.records.document_pdf import filename_of, pdf_of
from citizen.records.labels import kind_choices, kind_name
from citizen.records.present import is_pdf, readable
from citizen.records.subject import records_subject
from services.people.models import Person
from services.records import access, documents
from services.records.models import Document, DocumentKind

blueprint = Blueprint("records_documents", __name__)
#: Ids are PostgreSQL integers: a larger one names nothing (404), not a database error.
#: Documents per page of the list.
PAGE_SIZE = 25
MAX_CURSOR = 500


@login_required
def document_list():
    subject = records_subject()
    if subject is None:
        return _not_covered()
    values, filters, errors = _filters()
    if errors:
        if access.online_access_removed(subject.id):
            return render_template("records/documents/removed.html", subject=subject,
                                   privacy_url=nav.PRIVACY)
        return _list_page(subject, values=values, errors=errors, status=400)
    cursor = request.args.get("cursor") or None
    if cursor is not None and len(cursor) > MAX_CURSOR:
        raise BadRequest("invalid paging cursor")
    page = keyset_page(documents.documents_statement(person_id=subject.id, actor=g.actor,
                                                     filters=filters),
                       keys=(Document.document_date, Document.id),
                       args=PageArgs(limit=PAGE_SIZE, cursor=cursor))
    # While she has removed online access nothing is visible; asked only then, as the
    # list is the page's one query that must run anyway.
    if not page.items and access.online_access_removed(subject.id):
        return render_template("records/documents/removed.html", subject=subject,
                               privacy_url=nav.PRIVACY)
    found = documents.listed(person_id=subject.id, actor=g.actor, documents=page.items)
    held = documents.holdings(person_id=subject.id, actor=g.actor, filters=filters)
    next_page = None
    if page.next_cursor is not None:
        next_page = url_for("records_documents.document_list",
                            **{**_kept_args(), "cursor": page.next_cursor})
    return _list_page(subject, values=values, found=found, total=held.total,
                      organisations=held.organisations, filtered=filters.active,
                      next_page=next_page,
                      first_page=url_for("records_documents.document_list", **_kept_args())
                      if cursor else None)


@login_required
def document_page(document_id: int):
    subject, document, data = _content(document_id, read=True)
    history = documents.history_of(document, actor=g.actor)
    return render_template(
        "records/documents/document.html", subject=subject, document=document,
        kind=kind_name(document.kind), body=readable(document, data, top_level=2),
        is_pdf=is_pdf(document), history=history,
        pdf_url=url_for("records_documents.document_pdf", document_id=document.id))


@login_required
def document_pdf(document_id: int):
    _, document, data = _content(document_id, read=False)
    response = Response(pdf_of(document, data), content_type="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename_of(document)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


#: A document's page, under the list's: the list's links are this prefix and the id
#: (url_for for each of 25 was a fifth of the list's rendering).
DOCUMENT_PAGES = "/documents/"
blueprint.add_url_rule("/records", view_func=document_list)
blueprint.add_url_rule(f"/records{DOCUMENT_PAGES}<{ID}:document_id>", view_func=document_page)
blueprint.add_url_rule(f"/records{DOCUMENT_PAGES}<{ID}:document_id>/document.pdf",
                       view_func=document_pdf)


# -- the parts ---------------------------------------------------------------------------

FILTER_ARGS = ("type", "organisation", "from", "to", "q")


def _filters() -> tuple[dict[str, str], documents.Filters, dict[str, str]]:
    """The filter form's values as typed, the filters, and what is wrong with them."""
    values = {name: request.args.get(name, "").strip() for name in FILTER_ARGS}
    errors: dict[str, str] = {}
    kind = organisation = date_from = date_to = None
    if values["type"]:
        try:
            kind = DocumentKind(values["type"])
        except ValueError:
            errors["type"] = _("Choose a type from the list.")
    if values["organisation"]:
        raw = values["organisation"]
        if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**31:
            organisation = int(raw)
        else:
            errors["organisation"] = _("Choose a hospital from the list.")
    for name in ("from", "to"):
        if values[name]:
            day = parse_day(values[name])
            if day is None:
                errors[name] = _("Write the date as 24.12.2026.")
                continue
            if name == "from":
                date_from = day
            else:
                date_to = day
    if date_from and date_to and date_from > date_to:
        errors["to"] = _("The end date must be on or after the start date.")
    if len(values["q"]) > documents.MAX_QUERY:
        errors["q"] = _("Search with at most %(num)d characters.", num=documents.MAX_QUERY)
    elif not documents.is_searchable(values["q"]):
        errors["q"] = _("Search with letters, digits and punctuation only.")
    if errors:
        return values, documents.NO_FILTERS, errors
    return values, documents.Filters(kind=kind, organisation_id=organisation,
                                     date_from=date_from, date_to=date_to,
                                     text=values["q"] or None), errors


def _kept_args() -> dict[str, str]:
    return {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}


def _list_page(subject: Person, *, values, errors=None, found=(), total=0, organisations=None,
               filtered=False, next_page=None, first_page=None, status=200):
    if organisations is None:
        organisations = documents.organisations_of(person_id=subject.id, actor=g.actor)
    return render_template(
        "records/documents/list.html", subject=subject, subject_label=person_label(subject),
        values=values, errors=errors or {}, documents=found, total=total,
        filtered=filtered, next_page=next_page, first_page=first_page,
        kinds=kind_choices(), kind_name=kind_name, organisations=organisations,
        document_pages=url_for("records_documents.document_list") + DOCUMENT_PAGES), status


def _content(document_id: int, *, read: bool):
    """(subject, document, its bytes), audited; 404 for anything she may not see."""
    subject = records_subject()
    if subject is None:
        raise NotFound()
    try:
        if read:
            documents.get_document(document_id=document_id, person_id=subject.id,
                                   actor=g.actor)
        document, data = documents.content_of(document_id=document_id, person_id=subject.id,
                                              actor=g.actor)
    except documents.DocumentNotFound:
        raise NotFound() from None
    return subject, document, data


def _not_covered():
    return render_template("records/documents/not_covered.html"), 403
