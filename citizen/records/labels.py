"""How the document types read in the citizen's language."""

from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l

from citizen.i18n import current_language
from services.records.models import DocumentKind

KIND_NAMES = {
    DocumentKind.DISCHARGE_SUMMARY: _l("Discharge summary"),
    DocumentKind.OUTPATIENT_NOTE: _l("Outpatient note"),
    DocumentKind.LAB_REPORT: _l("Laboratory report"),
    DocumentKind.IMAGING_REPORT: _l("Imaging report"),
    DocumentKind.LETTER: _l("Letter"),
}


def kind_name(kind: DocumentKind | str) -> str:
    return _kind_name(DocumentKind(kind), current_language())


# Translated once per process and language (the catalogues do not change while it runs):
# a list names a type for each of its 25 or 50 documents.
@functools.lru_cache(maxsize=64)
def _kind_name(kind: DocumentKind, _language: str) -> str:
    return str(KIND_NAMES[kind])


def kind_choices() -> list[tuple[str, str]]:
    """(value, name) of each type, as the filter offers them."""
    return [(kind.value, kind_name(kind)) for kind in KIND_NAMES]
