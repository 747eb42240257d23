"""Record documents ↔ FHIR R4 DocumentReference and Binary: the one place for this mapping.

What the hospital system sends is read into ``services.records.ingest.DocumentData``;
anything that cannot be read raises :class:`MappingError` naming the element. Stored
documents (a row with the model's columns, or a ``Document``) are written back as FHIR;
the export uses :func:`to_document_reference` and :func:`to_binary` too.

- ``type``: a coding with one of the LOINC document codes below, in any system (hospital
  systems do not always say LOINC), or a code of our CodeSystem
  (:data:`KIND_SYSTEM`, served as ``CodeSystem/record-document-kind``).
- ``subject``: the patient by fødselsnummer or D-number, or ``Patient/<id>``.
- ``custodian``: the hospital, by organisation number (HL7 Norway
  ``urn:oid:2.16.578.1.12.4.1.4.101``) or RESH id.
- ``author``: the writer (display, and HPR number as identifier) and the unit (an
  Organization by organisation number or RESH id).
- ``securityLabel``: HL7 v3 Confidentiality (N, R, V; U, L and M are taken as N).
- Extensions: :data:`WITHHELD_EXTENSION` (valueBoolean) and :data:`RELEASE_AFTER_EXTENSION`
  (valueDateTime).
- ``relatesTo`` with code ``replaces``: the correction of an earlier document.
- ``content``: one attachment, PDF, HTML or plain text, inline (``data``) or as
  ``url: Binary/<id>``, the content of a document stored here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from services.db import db
from services.fhir import extensions, mapping
from services.fhir.columns import parse_id, too_long
from services.fhir.mapping import (
    MappingError,
    clean,
    codings,
    instant,
    meta,
    moment,
    organisation_in,
    patient,
)
from services.people.lookups import ORG_NUMBER_SYSTEM
from services.people.models import Organisation
from services.records import content
from services.records.ingest import DocumentData
from services.records.models import (
    Confidentiality,
    Document,
    DocumentContent,
    DocumentKind,
    DocumentStatus,
)

LOINC = "http://loinc.org"
#: LOINC document type → what it is here.
LOINC_KINDS = {
    "18842-5": DocumentKind.DISCHARGE_SUMMARY,
    "34108-1": DocumentKind.OUTPATIENT_NOTE,
    "11502-2": DocumentKind.LAB_REPORT,
    "18748-4": DocumentKind.IMAGING_REPORT,
    "51852-2": DocumentKind.LETTER,
}
LOINC_OF_KIND = {kind: code for code, kind in LOINC_KINDS.items()}
LOINC_DISPLAY = {
    DocumentKind.DISCHARGE_SUMMARY: "Discharge summary",
    DocumentKind.OUTPATIENT_NOTE: "Outpatient Note",
    DocumentKind.LAB_REPORT: "Laboratory report",
    DocumentKind.IMAGING_REPORT: "Diagnostic imaging study",
    DocumentKind.LETTER: "Letter",
}
KIND_SYSTEM = "https://minhelse.no/fhir/CodeSystem/record-document-kind"
EXTENSION_BASE = extensions.BASE
WITHHELD = extensions.define_extension(
    "withheld-from-patient", "boolean", context="DocumentReference",
    title="Withheld from the patient",
    description="True when the hospital withholds the document from the patient under a "
                "legal exception (pasient- og brukerrettighetsloven § 5-1): she, and those "
                "acting for her, do not see it; health personnel do.")
RELEASE_AFTER = extensions.define_extension(
    "release-after", "dateTime", context="DocumentReference", title="Released to the patient after",
    description="Not shown to the patient before this moment (a result she hears from "
                "her doctor first); she is told of it when it comes. At most a year ahead, "
                "not before the document's date.")
WITHHELD_EXTENSION = WITHHELD.url
RELEASE_AFTER_EXTENSION = RELEASE_AFTER.url
#: Helsepersonellregisteret (HPR) numbers.
HPR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.4"
CONFIDENTIALITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
_CONFIDENTIALITY = {"U": Confidentiality.NORMAL, "L": Confidentiality.NORMAL,
                    "M": Confidentiality.NORMAL, "N": Confidentiality.NORMAL,
                    "R": Confidentiality.RESTRICTED, "V": Confidentiality.VERY_RESTRICTED}
_STRICTNESS = [Confidentiality.NORMAL, Confidentiality.RESTRICTED,
               Confidentiality.VERY_RESTRICTED]
#: A release time further ahead than this is a mistake in the sending system (results are
#: released within weeks, not years).
MAX_RELEASE_AHEAD = timedelta(days=366)
#: Clocks differ; a document dated further ahead than this was not written yet.
DATE_SLACK = timedelta(hours=1)





def code_system() -> dict[str, Any]:
    """The CodeSystem of the kinds of document, as published."""
    return mapping.code_system(
        id="record-document-kind", url=KIND_SYSTEM, name="RecordDocumentKind",
        title="Kinds of record document",
        description="The kinds of hospital document Min helse shows to citizens, each the "
                    "same as one LOINC document type (given beside it). "
                    "DocumentReference.type takes either.",
        concepts=[{"code": kind.value, "display": LOINC_DISPLAY[kind],
                   "definition": f"LOINC {LOINC_OF_KIND[kind]}"} for kind in DocumentKind])


# --- reading what the hospital sends ---------------------------------------------------


def from_document_reference(resource: dict[str, Any], *, allow_synthetic: bool,
                            max_bytes: int, now: datetime,
                            updating: int | None = None) -> DocumentData:
    """What we store from a (structurally valid) DocumentReference. ``updating``: the id
    of the stored document an update is for (its own ``Binary/<id>`` keeps the content)."""
    where = "DocumentReference"
    system, value = _business_identifier(resource)
    try:
        status = DocumentStatus(resource.get("status"))
    except ValueError:
        raise MappingError("status must be current, superseded or entered-in-error",
                           f"{where}.status") from None
    if resource.get("docStatus") not in (None, "final", "amended"):
        # A preliminary document is no part of the record she reads: send it when final.
        raise MappingError("docStatus must be final or amended (or left out)",
                           f"{where}.docStatus")
    kind = _kind(resource.get("type"))
    person_id = patient(resource.get("subject"), "DocumentReference.subject",
                        allow_synthetic=allow_synthetic)
    organisation_id = organisation_in(resource.get("custodian"), f"{where}.custodian")
    if organisation_id is None:
        raise MappingError("name the hospital whose record it is: custodian with its "
                           "organisation number", f"{where}.custodian")
    author_name, author_hpr, unit_id = _authors(resource.get("author") or [])
    document_date = moment(resource.get("date"), f"{where}.date")
    if document_date > now + DATE_SLACK:
        raise MappingError("a document cannot be dated in the future", f"{where}.date")
    withheld, release_after = _release_controls(resource, document_date=document_date, now=now)
    attachment, at = _attachment(resource)
    title = (clean(resource.get("description")) or clean(attachment.get("title"))
             or LOINC_DISPLAY[kind])
    checked = _content(attachment, at, person_id=person_id, organisation_id=organisation_id,
                       max_bytes=max_bytes, updating=updating)
    data = DocumentData(
        identifier_system=system, identifier_value=value, person_id=person_id,
        organisation_id=organisation_id, kind=kind, title=title, document_date=document_date,
        status=status, author_name=author_name, author_hpr=author_hpr, unit_id=unit_id,
        confidentiality=_confidentiality(resource.get("securityLabel") or []),
        withheld_from_patient=withheld, release_after=release_after, content=checked,
        replaces_id=_replaces(resource.get("relatesTo") or []))
    problems = too_long(Document, {
        "identifier_system": (system, f"{where}.identifier"),
        "identifier_value": (value, f"{where}.identifier"),
        "title": (title, f"{where}.description"),
        "author_name": (author_name, f"{where}.author"),
    })
    if problems:
        raise MappingError(problems[0].message, problems[0].expression)
    return data


def _business_identifier(resource: dict[str, Any]) -> tuple[str, str]:
    candidates = [("DocumentReference.masterIdentifier", resource.get("masterIdentifier"))]
    candidates += [(f"DocumentReference.identifier[{i}]", identifier)
                   for i, identifier in enumerate(resource.get("identifier") or [])]
    for where, identifier in candidates:
        if not isinstance(identifier, dict):
            continue
        system, value = identifier.get("system"), clean(identifier.get("value"))
        if value:
            if not clean(system):
                raise MappingError("a business identifier needs a system and a value", where)
            return system.strip(), value
    raise MappingError("a business identifier (identifier with system and value) is what "
                       "updates and corrections are matched by", "DocumentReference.identifier")


def _kind(concept: Any) -> DocumentKind:
    found = set()
    for coding, _ in codings(concept, "DocumentReference.type"):
        code = coding.get("code")
        if code in LOINC_KINDS:
            found.add(LOINC_KINDS[code])
        elif coding.get("system") == KIND_SYSTEM and code in {k.value for k in DocumentKind}:
            found.add(DocumentKind(code))
    if len(found) != 1:
        codes = ", ".join(f"{code} ({LOINC_DISPLAY[kind]})" for code, kind in LOINC_KINDS.items())
        raise MappingError(f"type needs one coding with one of the LOINC codes {codes}, or a "
                           f"code of {KIND_SYSTEM}", "DocumentReference.type")
    return found.pop()


def _authors(authors: list[Any]) -> tuple[str | None, str | None, int | None]:
    name = hpr = unit = None
    for index, author in enumerate(authors):
        where = f"DocumentReference.author[{index}]"
        if not isinstance(author, dict):
            continue
        organisation = organisation_in(author, where)
        if organisation is not None:
            unit = unit or organisation
            continue
        if author.get("type") == "Organization":
            continue  # named but not identified: nothing to link it to
        identifier = author.get("identifier")
        number = None
        if isinstance(identifier, dict) and identifier.get("system") == HPR_SYSTEM:
            number = str(identifier.get("value") or "").strip()
            if not (number.isascii() and number.isdigit() and 1 <= len(number) <= 9):
                raise MappingError("an HPR number is 1 to 9 digits", f"{where}.identifier")
        display = clean(author.get("display"))
        if name is None and (display or number):
            name, hpr = display, number
    return name, hpr, unit


def _release_controls(resource: dict[str, Any], *, document_date: datetime,
                      now: datetime) -> tuple[bool, datetime | None]:
    withheld, release_after = False, None
    for index, extension in enumerate(resource.get("extension") or []):
        where = f"DocumentReference.extension[{index}]"
        url = extension.get("url") if isinstance(extension, dict) else None
        if url == WITHHELD_EXTENSION:
            value = extension.get("valueBoolean")
            if not isinstance(value, bool):
                raise MappingError("withheld-from-patient takes valueBoolean", where)
            withheld = value
        elif url == RELEASE_AFTER_EXTENSION:
            release_after = moment(extension.get("valueDateTime"), f"{where}.valueDateTime",
                                    date_allowed=True)
            if release_after < document_date:
                raise MappingError("the release time is before the document was written",
                                   f"{where}.valueDateTime")
            if release_after > now + MAX_RELEASE_AHEAD:
                raise MappingError(f"a release time more than {MAX_RELEASE_AHEAD.days} days "
                                   "ahead cannot be right", f"{where}.valueDateTime")
        elif isinstance(url, str) and url.startswith(EXTENSION_BASE):
            raise MappingError(f"{url[:120]} is not an extension of ours (withheld-from-patient, "
                               "release-after)", f"{where}.url")
    return withheld, release_after


def _confidentiality(labels: list[Any]) -> Confidentiality:
    found = Confidentiality.NORMAL
    for index, label in enumerate(labels):
        for coding, at in codings(label, f"DocumentReference.securityLabel[{index}]"):
            if coding.get("system") != CONFIDENTIALITY_SYSTEM:
                continue
            level = _CONFIDENTIALITY.get(coding.get("code"))
            if level is None:
                raise MappingError("a confidentiality is U, L, M, N, R or V", f"{at}.code")
            found = max(found, level, key=_STRICTNESS.index)
    return found


def _replaces(relations: list[Any]) -> int | None:
    found = None
    for index, relation in enumerate(relations):
        where = f"DocumentReference.relatesTo[{index}]"
        if not isinstance(relation, dict):
            continue
        if relation.get("code") != "replaces":
            raise MappingError("only relatesTo replaces (a correction) is taken here",
                               f"{where}.code")
        if found is not None:
            raise MappingError("a correction replaces one document", where)
        target = relation.get("target") or {}
        raw, identifier = target.get("reference"), target.get("identifier")
        document_id = None
        if isinstance(raw, str) and raw.startswith("DocumentReference/"):
            document_id = parse_id(raw.removeprefix("DocumentReference/"),
                                   Document.__table__.c.id)
        elif isinstance(identifier, dict) and clean(identifier.get("value")):
            document_id = db.session.scalar(sa.select(Document.id).where(
                Document.identifier_system == identifier.get("system"),
                Document.identifier_value == clean(identifier.get("value"))))
        if document_id is None:
            raise MappingError("the replaced document is not known here: "
                               "DocumentReference/<id>, or its identifier", f"{where}.target")
        found = document_id
    return found


def _attachment(resource: dict[str, Any]) -> tuple[dict[str, Any], str]:
    contents = resource.get("content") or []
    if len(contents) != 1:
        raise MappingError("a document has one content (send other formats as documents of "
                           "their own)", "DocumentReference.content")
    attachment = contents[0].get("attachment") if isinstance(contents[0], dict) else None
    if not isinstance(attachment, dict):
        raise MappingError("the content needs its attachment",
                           "DocumentReference.content[0].attachment")
    return attachment, "DocumentReference.content[0].attachment"


def _content(attachment: dict[str, Any], where: str, *, person_id: int, organisation_id: int,
             max_bytes: int, updating: int | None) -> content.Checked | None:
    declared = attachment.get("contentType")
    if "data" in attachment:
        try:
            data = base64.b64decode(attachment["data"] or "", validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise MappingError("data is not base64", f"{where}.data") from None
        _matches(attachment, data, where)
        try:
            return content.check(declared=declared, data=data, max_bytes=max_bytes)
        except content.ContentRefused as exc:
            raise MappingError(str(exc), f"{where}.data") from None
    url = attachment.get("url")
    if isinstance(url, str) and url.startswith("Binary/"):
        stored_id = parse_id(url.removeprefix("Binary/"), Document.__table__.c.id)
        stored = db.session.get(Document, stored_id) if stored_id is not None else None
        if (stored is None or stored.person_id != person_id
                or stored.organisation_id != organisation_id):
            raise MappingError("the Binary is not the content of one of this hospital's "
                               "documents about this patient", f"{where}.url")
        try:
            kind, _ = content.media_type(declared)
        except content.ContentRefused as exc:
            raise MappingError(str(exc), f"{where}.contentType") from None
        if kind != stored.content_type:
            raise MappingError(f"Binary/{stored.id} is {stored.content_type}, not {kind}",
                               f"{where}.contentType")
        if stored.id == updating:
            return None  # the document's own content: unchanged
        return content.Checked(stored.content_type, stored.content.data)
    raise MappingError("the attachment needs its data (base64), or url Binary/<id> naming "
                       "the content of a document stored here", where)


def _matches(attachment: dict[str, Any], data: bytes, where: str) -> None:
    """A size or hash the sender gives must be that of what it sent (before sanitising)."""
    size = attachment.get("size")
    if size is not None and size != len(data):
        raise MappingError(f"size says {size} bytes, data has {len(data)}", f"{where}.size")
    digest = attachment.get("hash")
    if digest is not None:
        try:
            expected = base64.b64decode(digest, validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise MappingError("hash is not base64", f"{where}.hash") from None
        if expected != hashlib.sha1(data).digest():  # noqa: S324 - the spec's SHA-1
            raise MappingError("hash is not the SHA-1 of data", f"{where}.hash")


# --- writing what is stored ------------------------------------------------------------


def to_document_reference(document) -> dict[str, Any]:
    """A stored document (a row of ``document_query()``, or a ``Document``) as FHIR."""
    custodian, unit = _custodian_and_unit(document)
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": str(document.id),
        "meta": meta(document),
        "extension": [{"url": WITHHELD_EXTENSION,
                       "valueBoolean": bool(document.withheld_from_patient)}],
        "identifier": [{"system": document.identifier_system,
                        "value": document.identifier_value}],
        "status": DocumentStatus(document.status).value,
        "docStatus": "final",
        "type": {"coding": [{"system": LOINC, "code": LOINC_OF_KIND[DocumentKind(document.kind)],
                             "display": LOINC_DISPLAY[DocumentKind(document.kind)]},
                            {"system": KIND_SYSTEM, "code": DocumentKind(document.kind).value}]},
        "subject": {"reference": f"Patient/{document.person_id}"},
        "date": instant(document.document_date),
        "custodian": custodian,
        "description": document.title,
        "securityLabel": [{"coding": [{
            "system": CONFIDENTIALITY_SYSTEM,
            "code": Confidentiality(document.confidentiality).value}]}],
        "content": [{"attachment": {
            "contentType": document.content_type,
            "url": f"Binary/{document.id}",
            "size": document.content_size,
            "title": document.title,
            "creation": instant(document.document_date),
        }}],
    }
    if document.release_after is not None:
        resource["extension"].append({"url": RELEASE_AFTER_EXTENSION,
                                      "valueDateTime": instant(document.release_after)})
    authors = []
    if document.author_name or document.author_hpr:
        author: dict[str, Any] = {"type": "Practitioner"}
        if document.author_hpr:
            author["identifier"] = {"system": HPR_SYSTEM, "value": document.author_hpr}
        if document.author_name:
            author["display"] = document.author_name
        authors.append(author)
    if unit is not None:
        authors.append(unit)
    if authors:
        resource["author"] = authors
    if document.replaces_id is not None:
        resource["relatesTo"] = [{"code": "replaces", "target": {
            "reference": f"DocumentReference/{document.replaces_id}"}}]
    return resource


def to_binary(document) -> dict[str, Any]:
    """A stored document's content as a Binary (a row of ``binary_query()``, or a
    ``Document``), whose access follows the DocumentReference's."""
    data = getattr(document, "data", None)
    if data is None:
        data = document.content.data
    return {
        "resourceType": "Binary",
        "id": str(document.id),
        "meta": meta(document),
        "contentType": document.content_type,
        "securityContext": {"reference": f"DocumentReference/{document.id}"},
        "data": base64.b64encode(data).decode("ascii"),
    }


_custodian = sa.orm.aliased(Organisation, name="custodian")
_unit = sa.orm.aliased(Organisation, name="unit")


def document_query() -> sa.Select:
    """The columns :func:`to_document_reference` maps: the document's, and the hospital's
    and unit's identifiers (so a page of search results needs no query per row)."""
    return (sa.select(*Document.__table__.columns,
                      _custodian.org_number.label("custodian_org_number"),
                      _custodian.name.label("custodian_name"),
                      _unit.org_number.label("unit_org_number"),
                      _unit.name.label("unit_name"))
            .join(_custodian, _custodian.id == Document.organisation_id)
            .outerjoin(_unit, _unit.id == Document.unit_id))


def binary_query() -> sa.Select:
    """The columns :func:`to_binary` maps."""
    return (sa.select(Document.id, Document.person_id, Document.organisation_id,
                      Document.version_id, Document.updated_at, Document.content_type,
                      DocumentContent.data)
            .join(DocumentContent, DocumentContent.document_id == Document.id))


def _custodian_and_unit(document) -> tuple[dict[str, Any], dict[str, Any] | None]:
    if hasattr(document, "custodian_org_number"):
        custodian = (document.custodian_org_number, document.custodian_name)
        unit = ((document.unit_org_number, document.unit_name)
                if document.unit_id is not None else None)
    else:
        custodian = (document.organisation.org_number, document.organisation.name)
        unit = ((document.unit.org_number, document.unit.name)
                if document.unit is not None else None)

    def reference(number: str, name: str) -> dict[str, Any]:
        return {"type": "Organization", "display": name,
                "identifier": {"system": ORG_NUMBER_SYSTEM, "value": number}}

    return reference(*custodian), reference(*unit) if unit is not None else None
