"""A document's content as part of a page or a PDF: sanitised HTML whose headings sit below
the page's own, or plain text as paragraphs; never the stored bytes as they are.

HTML was sanitised with nh3 when the hospital sent it (services/records/content.py); it is
cleaned again here with the same kind of allow-list, so a page never depends on every
write path having done so (the test factories store HTML directly, for one).
"""

from __future__ import annotations

import re

import nh3
from markupsafe import Markup, escape

from services.records.models import Document

PDF = "application/pdf"
HTML = "text/html"
TEXT = "text/plain"
#: What a clinical document may use: structure, emphasis, lists, tables. No links (a
#: document is not the place to be sent elsewhere from), images, forms or styles.
TAGS = {"p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "sub",
        "sup", "ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "thead", "tbody",
        "tfoot", "tr", "th", "td", "blockquote", "pre", "code", "hr", "abbr", "span", "div"}
ATTRIBUTES = {"th": {"scope", "colspan", "rowspan"}, "td": {"colspan", "rowspan"},
              "abbr": {"title"}, "*": {"lang"}}
_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)


def is_pdf(document: Document) -> bool:
    return document.content_type == PDF


def readable(document: Document, data: bytes, *, top_level: int = 2) -> Markup | None:
    """The content as HTML to place in a page whose own headings go down to
    ``top_level`` - 1; None for a PDF (it is downloaded, not shown)."""
    if is_pdf(document):
        return None
    text = data.decode("utf-8", errors="replace")
    if document.content_type == HTML:
        clean = nh3.clean(text, tags=TAGS, attributes=ATTRIBUTES, link_rel=None)
        return Markup(_demoted(clean, top_level))  # noqa: S704 - nh3's allow-list output
    return _paragraphs(text)


def _demoted(html: str, top_level: int) -> str:
    """Its h1 becomes h<top_level>, and so on down (h6 at most)."""
    return _HEADING.sub(lambda m: f"<{m[1]}h{min(6, int(m[2]) + top_level - 1)}", html)


def _paragraphs(text: str) -> Markup:
    """Plain text as paragraphs (blank lines) with its line breaks kept."""
    text = text.replace("\r\n", "\n")
    blocks = [block for block in re.split(r"\n\s*\n", text) if block.strip()]
    lines = [block.strip("\n").split("\n") for block in blocks]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in block))
        for block in lines)
