"""The Helsenorge.Messaging envelope (``<AMQPMessage>``) as its HTTP transport writes it."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from services.clock import utcnow

_FIELDS = ("MessageFunction", "FromHerId", "ToHerId", "MessageId", "CorrelationId",
           "EnqueuedTimeUtc", "ContentType", "Payload", "ApplicationTimestamp", "CpaId")
_REQUIRED = ("MessageFunction", "FromHerId", "ToHerId", "MessageId", "CorrelationId", "Payload")
#: Deepest element nesting accepted: the envelope needs 2 levels, an XML payload the rest.
MAX_DEPTH = 50


class InvalidEnvelope(ValueError):
    """Not a well-formed envelope; the message says which part, never the payload."""


@dataclass(frozen=True)
class Envelope:
    message_function: str
    from_her_id: str
    to_her_id: str
    message_id: str
    correlation_id: str
    payload: str
    content_type: str = "application/fhir+json"
    cpa_id: str | None = None
    enqueued_at: datetime = field(default_factory=utcnow)

    def to_xml(self) -> bytes:
        root = ET.Element("AMQPMessage")
        values = {
            "MessageFunction": self.message_function, "FromHerId": self.from_her_id,
            "ToHerId": self.to_her_id, "MessageId": self.message_id,
            "CorrelationId": self.correlation_id,
            "EnqueuedTimeUtc": self.enqueued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ContentType": self.content_type, "Payload": self.payload,
            "ApplicationTimestamp": self.enqueued_at.strftime("%Y-%m-%dT%H:%M:%S"),
            "CpaId": self.cpa_id,
        }
        for name in _FIELDS:
            if values[name] is not None:
                ET.SubElement(root, name).text = values[name]
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)

    @classmethod
    def from_xml(cls, data: bytes) -> Envelope:
        root = _parse(data)
        if root.tag != "AMQPMessage":
            raise InvalidEnvelope("root element must be AMQPMessage")
        values = {name: _text(root.find(name)) for name in _FIELDS}
        missing = [name for name in _REQUIRED if not values[name]]
        if missing:
            raise InvalidEnvelope(f"missing {', '.join(missing)}")
        return cls(
            message_function=values["MessageFunction"], from_her_id=values["FromHerId"],
            to_her_id=values["ToHerId"], message_id=values["MessageId"],
            correlation_id=values["CorrelationId"], payload=values["Payload"],
            content_type=values["ContentType"] or "application/fhir+json",
            cpa_id=values["CpaId"],
        )


def _parse(data: bytes) -> ET.Element:
    """The root element; refuse DTDs, entities and nesting deeper than ``MAX_DEPTH`` while
    parsing, before a deep document is built (or serialised back, recursively)."""
    depth, root = 0, None
    try:
        for event, element in SafeET.iterparse(io.BytesIO(data), events=("start", "end"),
                                               forbid_dtd=True):
            if event == "end":
                depth -= 1
                continue
            depth += 1
            if depth > MAX_DEPTH:
                raise InvalidEnvelope(f"elements are nested deeper than {MAX_DEPTH}")
            if root is None:
                root = element
    except InvalidEnvelope:
        raise
    except DefusedXmlException as exc:
        raise InvalidEnvelope(f"refused XML construct ({type(exc).__name__})") from exc
    except (SafeET.ParseError, ValueError, LookupError) as exc:  # LookupError: unknown encoding
        raise InvalidEnvelope("not well-formed XML") from exc
    assert root is not None, "iterparse raises on a document without elements"
    return root


def _text(element) -> str | None:
    """Text of an element; child elements (an XML payload) come back serialised."""
    if element is None:
        return None
    if len(element):
        return "".join(ET.tostring(child, encoding="unicode") for child in element).strip()
    return (element.text or "").strip()
