"""How the document types read in the citizen's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from services.records.models import DocumentKind

KIND_NAMES = {
    DocumentKind.DISCHARGE_SUMMARY: _l("Discharge summary"),
    DocumentKind.OUTPATIENT_NOTE: _l("Outpatient note"),
    DocumentKind.LAB_REPORT: _l("Laboratory report"),
    DocumentKind.IMAGING_REPORT: _l("Imaging report"),
    DocumentKind.LETTER: _l("Letter"),
}


def kind_name(kind: DocumentKind | str) -> str:
    return str(KIND_NAMES[DocumentKind(kind)])


def kind_choices() -> list[tuple[str, str]]:
    """(value, name) of each type, as the filter offers them."""
    return [(kind.value, str(name)) for kind, name in KIND_NAMES.items()]
