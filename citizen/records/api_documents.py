"""``/api/v1/documents``: her documents, newest first, with the page's filters; one document;
its content as stored; the PDF.

Whose: the person the citizen acts for, when the representation covers records; the list
is 403 otherwise (and while she has removed her online access, saying so), and a single
document 404 — for a document she may not see, whatever the reason, the answer is the
same as for one that never existed.
"""

from __future__ import annotations

from flask import Response, current_app, g, jsonify, request, url_for
from marshmallow import ValidationError

from citizen.api.dump import fast_dump
from citizen.api.operations import File, operation
from citizen.api.paging import PageArgs, keyset_page, next_url
from citizen.api.schemas import page_of
from citizen.auth.current import login_required
from citizen.babel_cache import gettext as _
from citizen.errors import ApiError
from citizen.records.document_pdf import filename_of, pdf_of
from citizen.records.document_schemas import DocumentQuerySchema, DocumentSchema, filters_from
from citizen.records.labels import kind_name
from citizen.records.subject import records_subject
from services.people.models import Person
from services.records import access, documents
from services.records.models import Document

TAGS = ("records",)
NOT_COVERED = "the representation does not cover the health record"
REMOVED = "online access to the record is removed; she can restore it at /records/privacy"
NOT_FOUND = {404: "No such document she may see (another person's, withheld, not yet "
                  "released, or a representation without records)."}
#: The stored content: what the hospital sent, HTML sanitised.
CONTENT_TYPES = ("application/pdf", "text/html", "text/plain")
#: A page of the list as ``page_of(DocumentSchema)`` dumps it.
dump_page = fast_dump(page_of(DocumentSchema))


@operation(summary="Her documents, newest first", tags=TAGS, query=DocumentQuerySchema,
           description="Filter by type, organisation, date (Norwegian dates, both ends "
                       "included) and words of the title. Withheld documents, those not "
                       "yet released and those entered in error are not there.",
           responses={200: page_of(DocumentSchema)},
           problems={403: f"{NOT_COVERED}, or {REMOVED}"})
@login_required
def list_documents() -> Response:
    subject = _subject()
    try:
        query = DocumentQuerySchema().load(request.args.to_dict())
        filters = filters_from(query)
    except ValidationError as exc:
        raise ApiError(422, "the query has invalid parameters",
                       errors=exc.normalized_messages()) from None
    page = keyset_page(documents.documents_statement(person_id=subject.id, actor=g.actor,
                                                     filters=filters),
                       keys=(Document.document_date, Document.id),
                       args=PageArgs(limit=query["limit"], cursor=query["cursor"]))
    if not page.items:
        _removed(subject)
    found = documents.listed(person_id=subject.id, actor=g.actor, documents=page.items)
    shown = documents.visible_among(person_id=subject.id, actor=g.actor,
                                    ids={d.replaces_id for d in found if d.replaces_id})
    return jsonify(dump_page(
        {"items": [_fields(d, replaces_shown=d.replaces_id in shown) for d in found],
         "next": next_url(page)}))


@operation(summary="One of her documents", tags=TAGS, responses={200: DocumentSchema},
           response_headers={"ETag": "The document's version."}, problems=NOT_FOUND)
@login_required
def get_document(document_id: int) -> Response:
    subject = _subject_or_404()
    document = _found(documents.get_document, document_id=document_id, person_id=subject.id,
                      actor=g.actor)
    history = documents.history_of(document, actor=g.actor)
    fields = _fields(document, replaces_shown=bool(history.earlier))
    fields["replaced_by"] = history.replaced_by.id if history.replaced_by else None
    response = jsonify(DocumentSchema().dump(fields))
    response.set_etag(str(document.version_id))
    return response


@operation(summary="The document's content, as the hospital sent it (HTML sanitised)",
           tags=TAGS, responses={200: File(CONTENT_TYPES[0], also=CONTENT_TYPES[1:])},
           description="The content type is the document's: application/pdf, text/html "
                       "or text/plain (UTF-8).", problems=NOT_FOUND)
@login_required
def document_content(document_id: int) -> Response:
    subject = _subject_or_404()
    document, data = _found(documents.content_of, document_id=document_id,
                            person_id=subject.id, actor=g.actor)
    content_type = document.content_type
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"
    extension = {"application/pdf": "pdf", "text/html": "html"}.get(document.content_type, "txt")
    name = _("document")
    response = _download(data, content_type, f"{name}-{document.id}.{extension}")
    # Sanitised at ingest, and never a page of ours: no script, no styles, no frames.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@operation(summary="The document as a PDF (the original, or PDF/UA-1 made from its text)",
           tags=TAGS, responses={200: File("application/pdf")}, problems=NOT_FOUND)
@login_required
def document_pdf(document_id: int) -> Response:
    subject = _subject_or_404()
    document, data = _found(documents.content_of, document_id=document_id,
                            person_id=subject.id, actor=g.actor)
    return _download(pdf_of(document, data), "application/pdf", filename_of(document))


def _subject() -> Person:
    subject = records_subject()
    if subject is None:
        raise ApiError(403, NOT_COVERED, title="Forbidden")
    return subject


def _removed(subject: Person) -> None:
    """403 while she has removed online access (asked only when the list came out empty:
    then nothing is visible anyway)."""
    if access.online_access_removed(subject.id):
        raise ApiError(403, REMOVED, title="Forbidden", errors={"code": ["online_access_removed"]})


def _subject_or_404() -> Person:
    subject = records_subject()
    if subject is None:
        raise ApiError(404, "no such document", title="Not Found")
    return subject


def _found(service, **arguments):
    try:
        return service(**arguments)
    except documents.DocumentNotFound:
        raise ApiError(404, "no such document", title="Not Found") from None


def _fields(document: Document, *, replaces_shown: bool) -> dict:
    # The links of a document are its own path under one prefix (url_for per link was a
    # tenth of a page of 50).
    base = g.get("documents_api_base")
    if base is None:
        base = g.documents_api_base = current_app.config["PUBLIC_BASE_URL"] + url_for(
            "api.list_documents")
    return {
        "id": document.id, "type": document.kind.value, "type_name": kind_name(document.kind),
        "title": document.title, "date": document.document_date,
        "status": document.status.value,
        "organisation": {"id": document.organisation.id, "name": document.organisation.name},
        "unit": ({"id": document.unit.id, "name": document.unit.name}
                 if document.unit is not None else None),
        "author": document.author_name, "content_type": document.content_type,
        "size": document.content_size, "sha256": document.content_sha256,
        "replaces": document.replaces_id if replaces_shown else None,
        "content": f"{base}/{document.id}/content",
        "pdf": f"{base}/{document.id}/pdf",
    }


def _download(body: bytes, content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Health data: not kept by shared caches or the browser's disk cache.
    response.headers["Cache-Control"] = "no-store"
    return response
