"""A document as a PDF to download: the hospital's own PDF as it came, or one made from its
HTML or text (WeasyPrint, PDF/UA-1, through ``citizen.pdf``) with what the page shows about
it: title, type, who wrote it, where and when."""

from __future__ import annotations

from citizen.babel_cache import gettext as _
from citizen.i18n import current_language
from citizen.pdf import render_pdf
from citizen.records.labels import kind_name
from citizen.records.present import is_pdf, readable
from services.records.models import Document

TEMPLATE = "pdf/record_document.html"


def pdf_of(document: Document, data: bytes) -> bytes:
    """``document`` (whose stored bytes are ``data``) as a PDF."""
    if is_pdf(document):
        return data
    return render_pdf(TEMPLATE, language=current_language(), title=document.title,
                      document=document, body=readable(document, data, top_level=2),
                      kind=kind_name(document.kind))


def filename_of(document: Document) -> str:
    """A plain ASCII file name: the document's own title may say what it is about."""
    name = _("document")
    return f"{name}-{document.id}.pdf".encode("ascii", "ignore").decode()
