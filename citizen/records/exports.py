"""Export everything (``services/records/export.py``): the page to ask for a copy of the
record, its progress, the downloads; and the PDF renderer the worker calls (the
/api/v1/exports endpoints are in ``api_exports.py``).

Whose record: the person the citizen acts for, when the representation covers records. An
export is seen and downloaded only by the citizen who asked for it. The progress page works
without JavaScript: it says how far the build has come and offers to look again.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, flash, g, redirect, render_template, url_for
from flask_babel import force_locale
from werkzeug.exceptions import NotFound

from citizen.auth.current import login_required, person_label
from citizen.babel_cache import gettext as _
from citizen.ids import ID
from citizen.pdf import render_pdf
from citizen.records.api_exports import file_response
from citizen.records.subject import records_subject
from services.records import export
from services.records.models import ExportStatus, RecordExport

blueprint = Blueprint("records_exports", __name__)


def render_export_pdf(contents: export.ExportContents) -> bytes:
    """The whole record as one tagged PDF (pdf/ua-1); original PDFs ride along attached."""
    with force_locale(contents.language):
        return render_pdf("pdf/record_export.html", language=contents.language,
                          title=_("Health record of %(name)s", name=contents.person.name),
                          contents=contents, attachments=[
                              (attachment_name(item.document), item.original_pdf)
                              for item in contents.documents if item.original_pdf])


def attachment_name(document) -> str:
    """The file an original PDF is attached as: its date and number, nothing of its title."""
    return f"{document.document_date:%Y-%m-%d}-dokument-{document.id}.pdf"


def register_export_renderer(app: Flask) -> None:
    export.pdf_renderer = render_export_pdf
    app.add_template_global(export_status)
    app.add_template_global(attachment_name)


def export_status(found: RecordExport) -> str:
    """The state of an export in a few words."""
    if found.status is ExportStatus.READY:
        return _("Ready") if export.files_kept(found) else _("Deleted")
    if found.status is ExportStatus.FAILED:
        return _("Failed")
    return _("Being made (%(progress)s %%)", progress=found.progress)


def _export(export_id: int) -> RecordExport:
    subject = records_subject()
    if subject is None:
        raise NotFound()
    try:
        return export.export_of(export_id=export_id, person_id=subject.id,
                                requester_id=int(g.actor.id))
    except export.ExportNotFound:
        raise NotFound() from None


@blueprint.get("/records/export")
@login_required
def page():
    subject = records_subject()
    if subject is None:
        return render_template("records/not_covered.html"), 403
    return render_template("records/exports/index.html", subject_label=person_label(subject),
                           exports=export.exports_of(person_id=subject.id,
                                                     requester_id=int(g.actor.id)))


@blueprint.post("/records/export")
@login_required
def start():
    subject = records_subject()
    if subject is None:
        return render_template("records/not_covered.html"), 403
    started = export.request_export(person_id=subject.id, actor=g.actor)
    flash(_("We are making your copy. You can leave this page; we let you know when it is "
            "ready."), "success")
    return redirect(url_for(".status", export_id=started.id), 303)


@blueprint.get(f"/records/export/<{ID}:export_id>")
@login_required
def status(export_id: int):
    found = _export(export_id)
    return render_template("records/exports/status.html", export=found,
                           files_kept=export.files_kept(found),
                           subject_label=person_label(records_subject()))


@blueprint.get(f"/records/export/<{ID}:export_id>/record.pdf")
@login_required
def download_pdf(export_id: int):
    return _download(export_id, "pdf")


@blueprint.get(f"/records/export/<{ID}:export_id>/record.json")
@login_required
def download_bundle(export_id: int):
    return _download(export_id, "bundle")


def _download(export_id: int, part: str) -> Response:
    found = _export(export_id)
    try:
        data = export.download(export_id=found.id, person_id=found.person_id,
                               requester_id=int(g.actor.id), part=part, actor=g.actor)
    except export.ExportNotFound:
        raise NotFound() from None
    return file_response(data, part=part, created_at=found.created_at)
