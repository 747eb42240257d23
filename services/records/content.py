"""What a document's content is, checked by its bytes rather than its declared type.

A hospital's attachment is stored as one of three kinds: a PDF (its header, and a parse
with pypdf: a file that does not open, is encrypted or runs JavaScript is refused), HTML
(UTF-8, sanitised with nh3 to the tags a document needs: no script, no style, no links or
images that would fetch from elsewhere), or plain text (UTF-8 without control characters).
Anything else, anything larger than the configured limit (``RECORDS_MAX_DOCUMENT_BYTES``),
or anything that is not what it claims to be is :class:`ContentRefused`: the FHIR layer
answers 422 and stores nothing.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

import nh3

PDF, HTML, TEXT = "application/pdf", "text/html", "text/plain"
CONTENT_TYPES = (PDF, HTML, TEXT)
#: The default limit on one document's stored bytes. Inline data also has to fit the FHIR
#: body limit (citizen/fhir/wire.py, 5 MB), which base64 fills at about 3.7 MB.
DEFAULT_MAX_BYTES = 3 * 1024 * 1024

#: What a record document needs of HTML: structure, emphasis, lists and tables. No links
#: (a document is no place for a phishing link), no images (they would fetch from elsewhere,
#: or be data: URLs that nh3 cannot check), no forms, no classes or inline styles.
ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "div", "span", "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "em", "b", "i", "u", "s", "sub", "sup", "small", "mark", "abbr", "q", "cite",
    "blockquote", "pre", "code", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col",
    "section", "article", "header", "footer",
})
ALLOWED_ATTRIBUTES = {
    "*": {"lang", "title"},
    "th": {"scope", "colspan", "rowspan", "headers", "id"},
    "td": {"colspan", "rowspan", "headers"},
    "col": {"span"}, "colgroup": {"span"},
    "ol": {"start", "type"},
}
#: Elements removed with everything inside them (their text is not the document's).
DROPPED_WITH_CONTENT = frozenset({"script", "style", "title", "head", "template", "iframe",
                                  "object", "embed", "svg", "math", "noscript", "textarea",
                                  "select", "button"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_TAG = re.compile(r"<[^>]*>")


class ContentRefused(ValueError):
    """The content cannot be stored; the message is safe to show the sending system."""


@dataclass(frozen=True)
class Checked:
    """Content as it is stored: one of :data:`CONTENT_TYPES`, and the bytes (HTML sanitised)."""

    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check(*, declared: str | None, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Checked:
    """``data`` as stored, if it is what ``declared`` (a MIME type, parameters allowed) says."""
    content_type, charset = media_type(declared)
    if not data:
        raise ContentRefused("the attachment is empty")
    if len(data) > max_bytes:
        raise ContentRefused(f"the attachment is {len(data)} bytes; at most {max_bytes} "
                             "are taken")
    if content_type == PDF:
        return Checked(PDF, _pdf(data))
    if data.lstrip()[:5] == b"%PDF-":
        raise ContentRefused(f"the attachment is a PDF, not {content_type}: declare it as "
                             f"{PDF}")
    if charset not in (None, "utf-8", "utf8", "us-ascii"):
        raise ContentRefused(f"text is taken in UTF-8, not {charset}")
    text = _utf8(data)
    if content_type == HTML:
        return Checked(HTML, sanitise_html(text).encode("utf-8"))
    if _CONTROL.search(text):
        raise ContentRefused("the text holds control characters: it is not plain text")
    if not text.strip():
        raise ContentRefused("the text has nothing to read")
    return Checked(TEXT, text.encode("utf-8"))


def sanitise_html(text: str) -> str:
    """``text`` with only the allowed tags and attributes; refused if nothing readable is left."""
    if "\x00" in text:
        raise ContentRefused("the HTML holds a NUL character")
    clean = nh3.clean(text, tags=set(ALLOWED_TAGS), attributes=ALLOWED_ATTRIBUTES,
                      clean_content_tags=set(DROPPED_WITH_CONTENT), url_schemes=set(),
                      link_rel=None, strip_comments=True).strip()
    if not _TAG.sub("", clean).strip():
        raise ContentRefused("the HTML has no text to read once sanitised")
    return clean


def media_type(declared: str | None) -> tuple[str, str | None]:
    """The declared type, if one we take (lower case), and its charset parameter."""
    if not isinstance(declared, str) or not declared.strip():
        raise ContentRefused("the attachment needs its contentType (application/pdf, "
                             "text/html or text/plain)")
    kind, *parameters = (part.strip() for part in declared.split(";"))
    kind = kind.lower()
    if kind not in CONTENT_TYPES:
        raise ContentRefused(f"{kind[:50]} is not taken: send application/pdf, text/html or "
                             "text/plain")
    charset = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return kind, charset


def _utf8(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ContentRefused("the text is not UTF-8") from None
    return text.removeprefix("\ufeff")


def _pdf(data: bytes) -> bytes:
    """``data`` if it is a PDF a patient can open: the header, a parse, at least one page,
    not encrypted, and no JavaScript that a reader would run on opening it."""
    if data[:5] != b"%PDF-":
        raise ContentRefused("the attachment is declared application/pdf but is not a PDF")
    from pypdf import PdfReader  # heavy: only when a PDF comes
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ContentRefused("the PDF is encrypted: the patient could not open it")
        pages = len(reader.pages)
        catalog = reader.trailer["/Root"]
        names = catalog.get("/Names")
        scripted = ("/AA" in catalog or _is_script(catalog.get("/OpenAction"))
                    or (names is not None and "/JavaScript" in names.get_object()))
    except ContentRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OverflowError, AssertionError, OSError, MemoryError):
        # pypdf's ways of saying that the bytes are no PDF it can open: refused whatever
        # the reason, since the patient's reader would fare no better.
        raise ContentRefused("the PDF cannot be opened: it is damaged or not a PDF") from None
    if pages < 1:
        raise ContentRefused("the PDF has no pages")
    if scripted:
        raise ContentRefused("the PDF runs JavaScript when opened: send it without")
    return data


def _is_script(action) -> bool:
    if action is None:
        return False
    action = action.get_object()
    return hasattr(action, "get") and action.get("/S") == "/JavaScript"
