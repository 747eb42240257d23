"""PDF documents from Jinja templates: tagged PDF/UA-1, with language and title, rendered by
WeasyPrint through a fetcher that serves the project's own files and nothing else.

A letter is health data rendered from a template that interpolates stored text (a
location's name, an address the hospital sent). WeasyPrint would otherwise follow any URL
in it: ``file:///etc/passwd`` as an image, an external stylesheet that tells a third party
who opened which letter. So the document's base URL is a made-up origin that resolves
nowhere (``PDF_ORIGIN``), and the fetcher maps exactly two folders under it —
``static/`` (citizen/static) and ``pdf/`` (templates/pdf, the letters' own stylesheets and
images) — and refuses every other URL, ``file:`` and ``data:`` included; a path that
climbs out of those folders is refused too. A refused resource is left out (WeasyPrint
logs it), the letter still renders.

Other domains (records, wound reports) call ``render_pdf`` with their own template under
templates/pdf/.

WeasyPrint is imported only when a PDF is made: its import (Pango, HarfBuzz, fontconfig
through cffi) costs half a second to a second of every process's start, and gunicorn and
Celery workers, the scheduler and every CLI command mostly never render one.
"""

from __future__ import annotations

import functools
import io
import logging
import mimetypes
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import render_template

from citizen.config import PROJECT_ROOT

PDF_ORIGIN = "https://pdf.minhelse.invalid/"
PDF_VARIANT = "pdf/ua-1"
CONTENT_TYPE = "application/pdf"
#: URL path prefix → the folder it is served from.
ROOTS: dict[str, Path] = {
    "static/": PROJECT_ROOT / "citizen" / "static",
    "pdf/": PROJECT_ROOT / "templates" / "pdf",
}


# Seven INFO lines per document ("Step 1 - Fetching and parsing HTML") say nothing an
# operator needs; warnings (a refused URL, a missing font) still come through.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class RefusedURL(ValueError):
    """A URL the PDF renderer does not fetch."""


def local_path(url: str) -> Path:
    """The file ``url`` names under ``PDF_ORIGIN``, or ``RefusedURL``."""
    parts = urlsplit(url)
    origin = urlsplit(PDF_ORIGIN)
    if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc) or parts.query:
        raise RefusedURL(f"not one of the project's own files: {url[:100]!r}")
    relative = unquote(parts.path).lstrip("/")
    for prefix, root in ROOTS.items():
        if relative.startswith(prefix):
            path = (root / relative[len(prefix):]).resolve()
            if path.is_relative_to(root.resolve()) and path.is_file():
                return path
    raise RefusedURL(f"no such file of the project's: {url[:100]!r}")


@functools.cache
def fetcher_class() -> type:
    """The ``ProjectFilesFetcher`` class, built on first use (it subclasses WeasyPrint's)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ProjectFilesFetcher(URLFetcher):
        """Serves ``PDF_ORIGIN/static/...`` and ``PDF_ORIGIN/pdf/...`` from disk; nothing else."""

        def fetch(self, url: str, headers=None) -> URLFetcherResponse:
            path = local_path(url)
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})

    return ProjectFilesFetcher



def render_pdf(template: str, *, language: str, title: str,
               attachments: Iterable[tuple[str, bytes]] = (), **context) -> bytes:
    """Render ``template`` (under templates/pdf/, extending ``pdf/_document.html``) to a
    PDF/UA-1 document in ``language`` with ``title``; a request or app context is needed
    for the translations. ``attachments`` (file name, bytes) are embedded as files."""
    from weasyprint import HTML, Attachment

    html = render_template(template, document_language=language, document_title=title,
                           **context)
    document = HTML(string=html, base_url=PDF_ORIGIN, url_fetcher=fetcher_class()())
    return document.write_pdf(pdf_variant=PDF_VARIANT, attachments=[
        Attachment(file_obj=io.BytesIO(data), name=name, description=name)
        for name, data in attachments])
