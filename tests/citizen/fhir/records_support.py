"""DocumentReferences as a hospital's record system sends them, for the record's FHIR tests."""

from __future__ import annotations

import base64
import io
from typing import Any

from fhir.resources.R4B.binary import Binary
from fhir.resources.R4B.documentreference import DocumentReference

from services.people.identity import FNR_SYSTEM
from services.people.service import national_id_of
from services.records.fhir import (
    LOINC,
    ORG_NUMBER_SYSTEM,
    RELEASE_AFTER_EXTENSION,
    WITHHELD_EXTENSION,
)

FHIR = "application/fhir+json"
#: A hospital's document numbers.
DOCUMENTS = "urn:oid:2.16.578.1.12.4.1.4.1.1.dips"
HPR = "urn:oid:2.16.578.1.12.4.1.4.4"
HTML = b"<h1>Epikrise</h1><p>Innlagt for observasjon.</p>"


def pdf_bytes(*, pages: int = 1, encrypt: bool = False, javascript: bool = False) -> bytes:
    """A real PDF made with pypdf: blank pages, optionally encrypted or with JavaScript."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if javascript:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hei');")})
    if encrypt:
        writer.encrypt("hemmelig")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def document(person, *, identifier: str = "D-1", org_number: str = "883974832",
             code: str = "18842-5", system: str = LOINC, date: str = "2026-03-01T10:00:00+01:00",
             data: bytes = HTML, content_type: str = "text/html", status: str = "current",
             withheld: bool | None = None, release_after: str | None = None,
             title: str | None = "Epikrise fra medisinsk avdeling", **extra) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "identifier": [{"system": DOCUMENTS, "value": identifier}],
        "status": status,
        "type": {"coding": [{"system": system, "code": code}]},
        "subject": {"identifier": {"system": FNR_SYSTEM, "value": national_id_of(person)}},
        "date": date,
        "author": [{"display": "Lege Lise Hansen",
                    "identifier": {"system": HPR, "value": "9144889"}}],
        "custodian": {"identifier": {"system": ORG_NUMBER_SYSTEM, "value": org_number}},
        "content": [{"attachment": {"contentType": content_type,
                                    "data": base64.b64encode(data).decode()}}],
    }
    if title is not None:
        resource["description"] = title
    extensions = []
    if withheld is not None:
        extensions.append({"url": WITHHELD_EXTENSION, "valueBoolean": withheld})
    if release_after is not None:
        extensions.append({"url": RELEASE_AFTER_EXTENSION, "valueDateTime": release_after})
    if extensions:
        resource["extension"] = extensions
    resource.update(extra)
    return resource


def valid_document_reference(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` if fhir.resources takes it as a DocumentReference."""
    DocumentReference.model_validate(resource)
    return resource


def valid_binary(resource: dict[str, Any]) -> dict[str, Any]:
    Binary.model_validate(resource)
    return resource


def outcome(response, status: int | tuple[int, ...], expression: str | None = None) -> str:
    """Assert an OperationOutcome with ``status`` (or one of them), naming ``expression``;
    its diagnostics. (400: fhir.resources refused the structure; 422: we refused the content.)"""
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, response.get_data(as_text=True)[:800]
    assert response.mimetype == FHIR and response.json["resourceType"] == "OperationOutcome"
    [issue] = response.json["issue"]
    if expression is not None:
        assert issue["expression"] == [expression], issue
    return issue["diagnostics"]
