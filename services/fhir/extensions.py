"""The FHIR extensions this project defines: each declared once, by the domain whose
mapping reads it, and published as a StructureDefinition at
``/fhir/R4/StructureDefinition/<id>`` so a sending system can read what it means.

    ASA = define_extension("asa-class", "integer", context="Procedure",
                           title="ASA class", description="...")
    ASA.url  # https://minhelse.no/fhir/StructureDefinition/asa-class
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BASE = "https://minhelse.no/fhir/StructureDefinition/"
#: value[x] types an extension here may carry.
VALUE_TYPES = frozenset({"boolean", "integer", "date", "dateTime", "string", "code",
                         "Coding", "CodeableConcept", "decimal"})


@dataclass(frozen=True)
class Extension:
    id: str
    value_type: str
    #: The resource type (or element path) it is used on.
    context: str
    title: str
    description: str

    @property
    def url(self) -> str:
        return BASE + self.id

    @property
    def value_key(self) -> str:
        """The JSON key of its value: ``valueInteger``, ``valueCoding`` ..."""
        return "value" + self.value_type[0].upper() + self.value_type[1:]

    def value_in(self, extensions: Any) -> tuple[bool, Any]:
        """(present, value) of this extension among ``extensions`` (a resource's list)."""
        for extension in extensions if isinstance(extensions, list) else []:
            if isinstance(extension, dict) and extension.get("url") == self.url:
                return True, extension.get(self.value_key)
        return False, None

    def of(self, value: Any) -> dict[str, Any]:
        """This extension carrying ``value``, as a resource writes it."""
        return {"url": self.url, self.value_key: value}


_defined: dict[str, Extension] = {}


def define_extension(identifier: str, value_type: str, *, context: str, title: str,
                     description: str) -> Extension:
    if value_type not in VALUE_TYPES:
        raise ValueError(f"{value_type!r} is not a value type extensions use here")
    extension = Extension(identifier, value_type, context, title, description)
    if _defined.get(identifier, extension) != extension:
        raise ValueError(f"the extension {identifier!r} is defined twice, differently")
    _defined[identifier] = extension
    return extension


def defined() -> list[Extension]:
    return [_defined[key] for key in sorted(_defined)]


def structure_definition(identifier: str) -> dict[str, Any] | None:
    """The StructureDefinition of one extension, or None."""
    extension = _defined.get(identifier)
    if extension is None:
        return None
    element = "Extension.value[x]"
    return {
        "resourceType": "StructureDefinition",
        "id": extension.id,
        "url": extension.url,
        "name": "".join(part.capitalize() for part in extension.id.split("-")),
        "title": extension.title,
        "status": "active",
        "publisher": "Min helse",
        "description": extension.description,
        "fhirVersion": "4.0.1",
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": extension.context}],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {"element": [
            {"id": "Extension", "path": "Extension", "short": extension.title,
             "definition": extension.description, "max": "1"},
            {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
            {"id": "Extension.url", "path": "Extension.url", "fixedUri": extension.url},
            {"id": element, "path": element, "min": 1,
             "type": [{"code": extension.value_type}]},
        ]},
    }
