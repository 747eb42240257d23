"""``/api/v1/exports``: ask for a copy of the whole record, follow it, download it.

Whose record: the person the citizen acts for, when the representation covers records
(403 otherwise); an export is seen only by the citizen who asked for it (404 for others).
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, g, jsonify, url_for
from marshmallow import Schema, fields

from citizen.api.operations import File, operation
from citizen.auth.current import login_required
from citizen.errors import ApiError
from citizen.payloads import load_json
from citizen.records.consent_schemas import EMPTY_BODY, EmptySchema
from citizen.records.subject import records_subject
from services.people.models import Person
from services.records import export
from services.records.models import ExportStatus, RecordExport

TAGS = ("records",)
NOT_COVERED = "the representation does not cover the record"
PDF = "application/pdf"
FHIR_JSON = "application/fhir+json"


def file_response(data: bytes, *, part: str, created_at: datetime) -> Response:
    """An export's file as a download that no cache keeps."""
    content_type, suffix = (PDF, "pdf") if part == "pdf" else (FHIR_JSON, "json")
    response = Response(data, content_type=content_type)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="journal-{created_at:%Y-%m-%d}.{suffix}"')
    response.headers["Cache-Control"] = "no-store"
    return response




class ExportSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={
        "enum": [s.value for s in ExportStatus],
        "description": "queued, running, ready (download below) or failed"})
    progress = fields.Integer(required=True, metadata={"description": "per cent done"})
    documents_total = fields.Integer(required=True)
    documents_done = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True, metadata={
        "description": "after this the files are deleted"})
    pdf = fields.String(allow_none=True, metadata={"description": "URL of the PDF when ready"})
    bundle = fields.String(allow_none=True, metadata={
        "description": "URL of the FHIR Bundle (application/fhir+json) when ready"})


def _fields(found: RecordExport) -> dict:
    ready = export.files_kept(found)
    return {"id": found.id, "status": found.status.value, "progress": found.progress,
            "documents_total": found.documents_total, "documents_done": found.documents_done,
            "created_at": found.created_at, "finished_at": found.finished_at,
            "expires_at": found.expires_at,
            "pdf": url_for("api.export_pdf", export_id=found.id) if ready else None,
            "bundle": url_for("api.export_bundle", export_id=found.id) if ready else None}


NOT_FOUND = {404: "No such export asked for by this citizen for the person they act for."}


def _api_subject() -> Person:
    subject = records_subject()
    if subject is None:
        raise ApiError(403, NOT_COVERED, title="Forbidden")
    return subject


def _api_export(export_id: int) -> RecordExport:
    subject = _api_subject()
    try:
        return export.export_of(export_id=export_id, person_id=subject.id,
                                requester_id=int(g.actor.id))
    except export.ExportNotFound:
        raise ApiError(404, "no such export", title="Not Found") from None


@operation(summary="Ask for a copy of the whole record (PDF and FHIR Bundle)", tags=TAGS,
           description="Built by a worker; follow its progress at the Location. One export "
                       "under way is returned again rather than started twice.",
           body=EMPTY_BODY, responses={202: ExportSchema},
           response_headers={"Location": "the export"},
           problems={403: "Another origin, or a representation without the record."})
@login_required
def api_start() -> Response:
    load_json(EmptySchema())
    started = export.request_export(person_id=_api_subject().id, actor=g.actor)
    response = jsonify(ExportSchema().dump(_fields(started)))
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_export", export_id=started.id)
    return response


@operation(summary="An export: its progress, and the downloads once ready", tags=TAGS,
           responses={200: ExportSchema}, problems={403: NOT_COVERED, **NOT_FOUND})
@login_required
def api_get(export_id: int) -> Response:
    return jsonify(ExportSchema().dump(_fields(_api_export(export_id))))


@operation(summary="The export's PDF", tags=TAGS, responses={200: File(PDF)},
           problems={403: NOT_COVERED, 404: "No such export, not ready, or its files are "
                                            "deleted."})
@login_required
def api_pdf(export_id: int) -> Response:
    return _api_download(export_id, "pdf")


@operation(summary="The export's FHIR Bundle", tags=TAGS, responses={200: File(FHIR_JSON)},
           problems={403: NOT_COVERED, 404: "No such export, not ready, or its files are "
                                            "deleted."})
@login_required
def api_bundle(export_id: int) -> Response:
    return _api_download(export_id, "bundle")


def _api_download(export_id: int, part: str) -> Response:
    found = _api_export(export_id)
    try:
        data = export.download(export_id=found.id, person_id=found.person_id,
                               requester_id=int(g.actor.id), part=part, actor=g.actor)
    except export.ExportNotFound:
        raise ApiError(404, "the export is not ready, or its files are deleted",
                       title="Not Found") from None
    return file_response(data, part=part, created_at=found.created_at)
