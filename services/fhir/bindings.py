"""Required code bindings: fhir.resources takes any string for a ``code`` element
(``status: "bogus"`` passes), so we check the FHIR R4 (4.0.1) REQUIRED bindings ourselves.

The value sets are written out here rather than loaded from the FHIR package registry,
which we cannot reach; they change only with the FHIR version. Required bindings to
open-ended code systems (mime types, ISO 4217 currencies, all resource types) are left
out: a table cannot hold them.

Which element holds which type comes from the fhir.resources R4B models, the same models
that have already accepted the resource's structure, so the walk finds an Identifier or a
ContactPoint wherever one may occur: in a backbone element, a ``contained`` resource, a
Bundle entry, a Reference or an extension value.
"""

from __future__ import annotations

import typing
from collections import deque
from functools import cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource
from fhir_core.types import FhirBase

from services.fhir.problem import Problem

#: Codes of each value set, keyed by its id under http://hl7.org/fhir/ValueSet/ (R4 4.0.1).
VALUE_SETS: dict[str, frozenset[str]] = {
    # --- datatypes ---
    # IdentifierUse
    "identifier-use": frozenset({"usual", "official", "temp", "secondary", "old"}),
    # NameUse
    "name-use": frozenset({"usual", "official", "temp", "nickname", "anonymous", "old",
                           "maiden"}),
    # ContactPointSystem
    "contact-point-system": frozenset({"phone", "fax", "email", "pager", "url", "sms",
                                       "other"}),
    # ContactPointUse
    "contact-point-use": frozenset({"home", "work", "temp", "old", "mobile"}),
    # AddressUse
    "address-use": frozenset({"home", "work", "temp", "old", "billing"}),
    # AddressType
    "address-type": frozenset({"postal", "physical", "both"}),
    # QuantityComparator
    "quantity-comparator": frozenset({"<", "<=", ">=", ">"}),
    # NarrativeStatus
    "narrative-status": frozenset({"generated", "extensions", "additional", "empty"}),
    # RelatedArtifactType
    "related-artifact-type": frozenset({"documentation", "justification", "citation",
                                        "predecessor", "successor", "derived-from",
                                        "depends-on", "composed-of"}),
    # UnitsOfTime
    "units-of-time": frozenset({"s", "min", "h", "d", "wk", "mo", "a"}),
    # DaysOfWeek
    "days-of-week": frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"}),
    # EventTiming: FHIR's own codes and those of v3 TimingEvent
    "event-timing": frozenset({
        "MORN", "MORN.early", "MORN.late", "NOON", "AFT", "AFT.early", "AFT.late", "EVE",
        "EVE.early", "EVE.late", "NIGHT", "PHS",
        "HS", "WAKE", "C", "CM", "CD", "CV", "AC", "ACM", "ACD", "ACV", "PC", "PCM", "PCD",
        "PCV",
    }),
    # SortDirection
    "sort-direction": frozenset({"ascending", "descending"}),
    # TriggerType
    "trigger-type": frozenset({"named-event", "periodic", "data-changed", "data-added",
                               "data-modified", "data-removed", "data-accessed",
                               "data-access-ended"}),
    # OperationParameterUse
    "operation-parameter-use": frozenset({"in", "out"}),
    # ContributorType
    "contributor-type": frozenset({"author", "editor", "reviewer", "endorser"}),
    # --- Patient ---
    # AdministrativeGender
    "administrative-gender": frozenset({"male", "female", "other", "unknown"}),
    # LinkType
    "link-type": frozenset({"replaced-by", "replaces", "refer", "seealso"}),
    # --- Bundle ---
    # BundleType
    "bundle-type": frozenset({"document", "message", "transaction", "transaction-response",
                              "batch", "batch-response", "history", "searchset",
                              "collection"}),
    # SearchEntryMode
    "search-entry-mode": frozenset({"match", "include", "outcome"}),
    # HTTPVerb
    "http-verb": frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}),
    # --- Questionnaire, QuestionnaireResponse ---
    # PublicationStatus
    "publication-status": frozenset({"draft", "active", "retired", "unknown"}),
    # QuestionnaireItemType, without the abstract "question"
    "item-type": frozenset({"group", "display", "boolean", "decimal", "integer", "date",
                            "dateTime", "time", "string", "text", "url", "choice",
                            "open-choice", "attachment", "reference", "quantity"}),
    # QuestionnaireItemOperator
    "questionnaire-enable-operator": frozenset({"exists", "=", "!=", ">", "<", ">=", "<="}),
    # EnableWhenBehavior
    "questionnaire-enable-behavior": frozenset({"all", "any"}),
    # QuestionnaireResponseStatus
    "questionnaire-answers-status": frozenset({"in-progress", "completed", "amended",
                                               "entered-in-error", "stopped"}),
    # --- Task ---
    # TaskStatus
    "task-status": frozenset({"draft", "requested", "received", "accepted", "rejected",
                              "ready", "cancelled", "in-progress", "on-hold", "failed",
                              "completed", "entered-in-error"}),
    # TaskIntent
    "task-intent": frozenset({"unknown", "proposal", "plan", "order", "original-order",
                              "reflex-order", "filler-order", "instance-order", "option"}),
    # RequestPriority
    "request-priority": frozenset({"routine", "urgent", "asap", "stat"}),
    # --- Appointment, Slot ---
    # AppointmentStatus
    "appointmentstatus": frozenset({"proposed", "pending", "booked", "arrived", "fulfilled",
                                    "cancelled", "noshow", "entered-in-error", "checked-in",
                                    "waitlist"}),
    # ParticipantRequired
    "participantrequired": frozenset({"required", "optional", "information-only"}),
    # ParticipationStatus
    "participationstatus": frozenset({"accepted", "declined", "tentative", "needs-action"}),
    # SlotStatus
    "slotstatus": frozenset({"busy", "free", "busy-unavailable", "busy-tentative",
                             "entered-in-error"}),
    # --- Procedure ---
    # EventStatus
    "event-status": frozenset({"preparation", "in-progress", "not-done", "on-hold", "stopped",
                               "completed", "entered-in-error", "unknown"}),
    # --- DocumentReference ---
    # DocumentReferenceStatus
    "document-reference-status": frozenset({"current", "superseded", "entered-in-error"}),
    # CompositionStatus
    "composition-status": frozenset({"preliminary", "final", "amended", "entered-in-error"}),
    # DocumentRelationshipType
    "document-relationship-type": frozenset({"replaces", "transforms", "signs", "appends"}),
    # --- Consent ---
    # ConsentState
    "consent-state-codes": frozenset({"draft", "proposed", "active", "rejected", "inactive",
                                      "entered-in-error"}),
    # ConsentProvisionType
    "consent-provision-type": frozenset({"deny", "permit"}),
    # ConsentDataMeaning
    "consent-data-meaning": frozenset({"instance", "related", "dependents", "authoredby"}),
    # --- AuditEvent ---
    # AuditEventAction
    "audit-event-action": frozenset({"C", "R", "U", "D", "E"}),
    # AuditEventOutcome
    "audit-event-outcome": frozenset({"0", "4", "8", "12"}),
    # AuditEventAgentNetworkType
    "network-type": frozenset({"1", "2", "3", "4", "5"}),
    # --- OperationOutcome ---
    # IssueSeverity
    "issue-severity": frozenset({"fatal", "error", "warning", "information"}),
    # IssueType
    "issue-type": frozenset({
        "invalid", "structure", "required", "value", "invariant", "security", "login",
        "unknown", "expired", "forbidden", "suppressed", "processing", "not-supported",
        "duplicate", "multiple-matches", "not-found", "deleted", "too-long", "code-invalid",
        "extension", "too-costly", "business-rule", "conflict", "transient", "lock-error",
        "no-store", "exception", "timeout", "incomplete", "throttled", "informational",
    }),
}

#: Element → value set id, for each REQUIRED binding we check. Elements are named as in
#: the spec: by the resource or datatype that defines them (``Identifier.use`` covers
#: every Identifier, wherever it occurs), and recursive elements by their first
#: definition (``Questionnaire.item.type`` covers ``item.item.type`` too).
BINDINGS: dict[str, str] = {
    "Identifier.use": "identifier-use",
    "HumanName.use": "name-use",
    "ContactPoint.system": "contact-point-system",
    "ContactPoint.use": "contact-point-use",
    "Address.use": "address-use",
    "Address.type": "address-type",
    # Quantity and its specialisations, each its own class in fhir.resources.
    "Quantity.comparator": "quantity-comparator",
    "Age.comparator": "quantity-comparator",
    "Count.comparator": "quantity-comparator",
    "Distance.comparator": "quantity-comparator",
    "Duration.comparator": "quantity-comparator",
    "Narrative.status": "narrative-status",
    "RelatedArtifact.type": "related-artifact-type",
    "Timing.repeat.durationUnit": "units-of-time",
    "Timing.repeat.periodUnit": "units-of-time",
    "Timing.repeat.dayOfWeek": "days-of-week",
    "Timing.repeat.when": "event-timing",
    "DataRequirement.sort.direction": "sort-direction",
    "TriggerDefinition.type": "trigger-type",
    "ParameterDefinition.use": "operation-parameter-use",
    "Contributor.type": "contributor-type",
    "Patient.gender": "administrative-gender",
    "Patient.contact.gender": "administrative-gender",
    "Patient.link.type": "link-type",
    "Bundle.type": "bundle-type",
    "Bundle.entry.search.mode": "search-entry-mode",
    "Bundle.entry.request.method": "http-verb",
    "Questionnaire.status": "publication-status",
    "Questionnaire.item.type": "item-type",
    "Questionnaire.item.enableWhen.operator": "questionnaire-enable-operator",
    "Questionnaire.item.enableBehavior": "questionnaire-enable-behavior",
    "QuestionnaireResponse.status": "questionnaire-answers-status",
    "Task.status": "task-status",
    "Task.intent": "task-intent",
    "Task.priority": "request-priority",
    "Appointment.status": "appointmentstatus",
    "Appointment.participant.required": "participantrequired",
    "Appointment.participant.status": "participationstatus",
    "Slot.status": "slotstatus",
    "Procedure.status": "event-status",
    "DocumentReference.status": "document-reference-status",
    "DocumentReference.docStatus": "composition-status",
    "DocumentReference.relatesTo.code": "document-relationship-type",
    "Consent.status": "consent-state-codes",
    "Consent.provision.type": "consent-provision-type",
    "Consent.provision.data.meaning": "consent-data-meaning",
    "AuditEvent.action": "audit-event-action",
    "AuditEvent.outcome": "audit-event-outcome",
    "AuditEvent.agent.network.type": "network-type",
    "OperationOutcome.issue.severity": "issue-severity",
    "OperationOutcome.issue.code": "issue-type",
}

#: Value sets small enough to list in a message.
_LISTED = 16


def check_bindings(resource: Any) -> list[Problem]:
    """The codes in ``resource`` (and in the resources it holds) outside their value sets."""
    resource_type = resource.get("resourceType") if isinstance(resource, dict) else None
    model = resource_model(resource_type) if isinstance(resource_type, str) else None
    if model is None:
        return [Problem("resourceType", "not a FHIR resource (no known resourceType)",
                        "structure")]
    problems: list[Problem] = []
    _walk(resource, model, model, resource_type, resource_type, problems)
    return problems


def resource_model(resource_type: str) -> type | None:
    """The fhir.resources R4B class of ``resource_type``, if it names a resource."""
    try:
        model = get_fhir_model_class(resource_type)
    except ValueError:
        return None
    return model if issubclass(model, Resource) and model is not Resource else None


def _walk(node: dict[str, Any], model: type, root: type, key: str, expression: str,
          problems: list[Problem]) -> None:
    """Check ``node``, an instance of ``model``; ``key`` names its element in BINDINGS terms."""
    fields = _fields(model)
    for name, value in node.items():
        target = fields.get(name, _UNKNOWN)
        if target is _UNKNOWN:
            continue  # ``resourceType``, ``_element`` extensions, or not ours to judge
        value_set = BINDINGS.get(f"{key}.{name}")
        repeated = isinstance(value, list)
        for index, item in enumerate(value if repeated else [value]):
            where = f"{expression}.{name}[{index}]" if repeated else f"{expression}.{name}"
            if value_set is not None and isinstance(item, str):
                if item not in VALUE_SETS[value_set]:
                    problems.append(Problem(where, _not_in(item, value_set)))
            elif target is not None and isinstance(item, dict):
                if issubclass(target, Resource):  # contained, Bundle.entry.resource
                    inner_type = item.get("resourceType")
                    inner = resource_model(inner_type) if isinstance(inner_type, str) else None
                    if inner is not None:
                        _walk(item, inner, inner, inner_type, where, problems)
                elif _is_named(target):
                    _walk(item, target, target, target.__name__, where, problems)
                else:
                    _walk(item, target, root, _element_names(root).get(target, f"{key}.{name}"),
                          where, problems)


def _not_in(code: str, value_set: str) -> str:
    codes = VALUE_SETS[value_set]
    message = f"{code!r} is not a code of http://hl7.org/fhir/ValueSet/{value_set}"
    if len(codes) <= _LISTED:
        message += f" (one of: {', '.join(sorted(codes))})"
    return message


_UNKNOWN = object()


@cache
def _fields(model: type) -> dict[str, type | None]:
    """JSON name → model class of each element (None for a primitive)."""
    fields: dict[str, type | None] = {}
    for name, field in model.model_fields.items():
        alias = field.alias or name
        if alias.startswith("_") or alias == "fhir_comments":
            continue
        fields[alias] = _model_of(field.annotation)
    return fields


def _model_of(annotation: Any) -> type | None:
    """The FHIR model class inside ``X | None``, ``list[X]`` and the like, if any."""
    if isinstance(annotation, type) and issubclass(annotation, FhirBase):
        return annotation.get_model_klass()
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _is_named(model: type) -> bool:
    """A resource or datatype (Identifier), not a backbone element (PatientContact)."""
    return model.__module__.rsplit(".", 1)[-1] == model.__name__.lower()


@cache
def _element_names(root: type) -> dict[type, str]:
    """Backbone element class → its path in ``root``, found breadth first so that a
    recursive element (``Questionnaire.item.item``) keeps its defining path."""
    names: dict[type, str] = {}
    queue = deque([(root, root.__name__)])
    while queue:
        model, path = queue.popleft()
        for name, target in _fields(model).items():
            if target is None or _is_named(target) or target in names:
                continue
            names[target] = f"{path}.{name}"
            queue.append((target, names[target]))
    return names
