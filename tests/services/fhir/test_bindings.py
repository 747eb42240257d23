"""Required code bindings: what fhir.resources lets through and we do not."""

from __future__ import annotations

import copy
import importlib
from typing import Any

import pytest

from services.fhir import Problem
from services.fhir.bindings import (
    BINDINGS,
    VALUE_SETS,
    _fields,
    check_bindings,
    resource_model,
)
from tests.services.fhir import sarinfeksjon

FNR = "urn:oid:2.16.578.1.12.4.1.4.1"


def patient() -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">"
                                               "Kari Nordmann</div>"},
        "identifier": [{"use": "official", "system": FNR, "value": "15068512345"}],
        "name": [{"use": "official", "family": "Nordmann", "given": ["Kari"]},
                 {"use": "maiden", "family": "Hansen"}],
        "telecom": [{"system": "phone", "value": "+4791234567", "use": "mobile"},
                    {"system": "email", "value": "kari@example.no", "use": "home"}],
        "gender": "female",
        "birthDate": "1985-06-15",
        "address": [{"use": "home", "type": "physical", "line": ["Storgata 1"],
                     "postalCode": "7010", "city": "Trondheim"}],
        "contact": [{"name": {"use": "usual", "given": ["Ola"]}, "gender": "male",
                     "telecom": [{"system": "sms", "value": "+4798765432"}]}],
        "link": [{"other": {"reference": "Patient/2"}, "type": "seealso"}],
    }


def transaction() -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": patient(), "request": {"method": "POST", "url": "Patient"}},
        {"resource": patient(), "request": {"method": "PUT", "url": "Patient/7"}},
    ]}


def searchset() -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "total": 1, "entry": [
        {"resource": patient(), "search": {"mode": "match"}},
    ]}


def task() -> dict[str, Any]:
    return {"resourceType": "Task", "status": "requested", "intent": "order",
            "priority": "routine", "identifier": [{"use": "usual", "value": "t-1"}],
            "for": {"reference": "Patient/1",
                    "identifier": {"use": "official", "system": FNR, "value": "15068512345"}},
            "input": [{"type": {"text": "frist"},
                       "valueDuration": {"value": 30, "comparator": ">=", "unit": "d",
                                         "system": "http://unitsofmeasure.org", "code": "d"}}]}


def appointment() -> dict[str, Any]:
    return {"resourceType": "Appointment", "status": "booked",
            "start": "2026-05-04T08:30:00+02:00", "end": "2026-05-04T09:00:00+02:00",
            "participant": [{"actor": {"reference": "Patient/1"}, "required": "required",
                             "status": "accepted"}]}


def slot() -> dict[str, Any]:
    return {"resourceType": "Slot", "schedule": {"reference": "Schedule/1"}, "status": "free",
            "start": "2026-05-04T08:30:00+02:00", "end": "2026-05-04T09:00:00+02:00"}


def procedure() -> dict[str, Any]:
    return {"resourceType": "Procedure", "status": "completed",
            "subject": {"reference": "Patient/1"}, "performedDateTime": "2026-03-02"}


def document_reference() -> dict[str, Any]:
    return {"resourceType": "DocumentReference", "status": "current", "docStatus": "final",
            "relatesTo": [{"code": "replaces", "target": {"reference": "DocumentReference/1"}}],
            "content": [{"attachment": {"contentType": "application/pdf", "url": "Binary/1"}}]}


def consent() -> dict[str, Any]:
    return {"resourceType": "Consent", "status": "active",
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                                  "code": "patient-privacy"}]},
            "category": [{"text": "Sperre"}],
            "provision": {"type": "deny",
                          "data": [{"meaning": "related",
                                    "reference": {"reference": "DocumentReference/1"}}],
                          "provision": [{"type": "permit"}]}}


def audit_event() -> dict[str, Any]:
    return {"resourceType": "AuditEvent", "action": "R", "outcome": "0",
            "recorded": "2026-03-02T10:00:00+01:00",
            "type": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110"},
            "agent": [{"requestor": True, "who": {"reference": "Practitioner/1"},
                       "network": {"address": "10.0.0.1", "type": "2"}}],
            "source": {"observer": {"display": "Min helse"}}}


def operation_outcome() -> dict[str, Any]:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "code-invalid", "diagnostics": "x"}]}


def questionnaire() -> dict[str, Any]:
    resource = sarinfeksjon.questionnaire()
    resource["contact"] = [{"name": "Smittevern",
                            "telecom": [{"system": "email", "value": "smittevern@example.no"}]}]
    return resource


def questionnaire_response() -> dict[str, Any]:
    return sarinfeksjon.response()


VALID = {
    "Patient": patient, "transaction": transaction, "searchset": searchset, "Task": task,
    "Appointment": appointment, "Slot": slot, "Procedure": procedure,
    "DocumentReference": document_reference, "Consent": consent, "AuditEvent": audit_event,
    "OperationOutcome": operation_outcome, "Questionnaire": questionnaire,
    "QuestionnaireResponse": questionnaire_response,
}


@pytest.mark.parametrize("make", VALID.values(), ids=VALID.keys())
def test_valid_resources_pass_and_are_valid_r4b(make):
    resource = make()
    assert check_bindings(resource) == []
    model = resource_model(resource["resourceType"])
    model.model_validate(resource)  # the examples are structurally sound too


def _set(resource: dict[str, Any], path: str, value: Any) -> None:
    """Set ``a.b[0].c`` in ``resource``."""
    *parents, last = path.split(".")
    node: Any = resource
    for part in parents:
        name, _, index = part.partition("[")
        node = node[name]
        if index:
            node = node[int(index[:-1])]
    name, _, index = last.partition("[")
    if index:
        node[name][int(index[:-1])] = value
    else:
        node[name] = value


# (example, element path within it, the element's R4 value set)
CASES = [
    ("Patient", "gender", "administrative-gender"),
    ("Patient", "identifier[0].use", "identifier-use"),
    ("Patient", "name[1].use", "name-use"),
    ("Patient", "telecom[0].system", "contact-point-system"),
    ("Patient", "telecom[1].use", "contact-point-use"),
    ("Patient", "address[0].use", "address-use"),
    ("Patient", "address[0].type", "address-type"),
    ("Patient", "text.status", "narrative-status"),
    ("Patient", "contact[0].gender", "administrative-gender"),
    ("Patient", "contact[0].name.use", "name-use"),
    ("Patient", "contact[0].telecom[0].system", "contact-point-system"),
    ("Patient", "link[0].type", "link-type"),
    ("transaction", "type", "bundle-type"),
    ("transaction", "entry[1].request.method", "http-verb"),
    ("transaction", "entry[1].resource.gender", "administrative-gender"),
    ("transaction", "entry[0].resource.telecom[1].system", "contact-point-system"),
    ("searchset", "entry[0].search.mode", "search-entry-mode"),
    ("Questionnaire", "status", "publication-status"),
    ("Questionnaire", "item[0].type", "item-type"),
    ("Questionnaire", "item[0].item[0].item[0].type", "item-type"),
    ("Questionnaire", "item[0].item[0].item[0].enableWhen[0].operator",
     "questionnaire-enable-operator"),
    ("Questionnaire", "item[0].item[3].enableBehavior", "questionnaire-enable-behavior"),
    ("Questionnaire", "contact[0].telecom[0].system", "contact-point-system"),
    ("QuestionnaireResponse", "status", "questionnaire-answers-status"),
    ("Task", "status", "task-status"),
    ("Task", "intent", "task-intent"),
    ("Task", "priority", "request-priority"),
    ("Task", "identifier[0].use", "identifier-use"),
    ("Task", "for.identifier.use", "identifier-use"),
    ("Task", "input[0].valueDuration.comparator", "quantity-comparator"),
    ("Appointment", "status", "appointmentstatus"),
    ("Appointment", "participant[0].required", "participantrequired"),
    ("Appointment", "participant[0].status", "participationstatus"),
    ("Slot", "status", "slotstatus"),
    ("Procedure", "status", "event-status"),
    ("DocumentReference", "status", "document-reference-status"),
    ("DocumentReference", "docStatus", "composition-status"),
    ("DocumentReference", "relatesTo[0].code", "document-relationship-type"),
    ("Consent", "status", "consent-state-codes"),
    ("Consent", "provision.type", "consent-provision-type"),
    ("Consent", "provision.provision[0].type", "consent-provision-type"),
    ("Consent", "provision.data[0].meaning", "consent-data-meaning"),
    ("AuditEvent", "action", "audit-event-action"),
    ("AuditEvent", "outcome", "audit-event-outcome"),
    ("AuditEvent", "agent[0].network.type", "network-type"),
    ("OperationOutcome", "issue[0].severity", "issue-severity"),
    ("OperationOutcome", "issue[0].code", "issue-type"),
]


@pytest.mark.parametrize(("example", "path", "value_set"), CASES,
                         ids=[f"{e}.{p}" for e, p, _ in CASES])
def test_a_code_outside_its_value_set_is_one_problem_naming_the_element(example, path,
                                                                        value_set):
    resource = VALID[example]()
    _set(resource, path, "bogus")
    [problem] = check_bindings(resource)
    root = resource["resourceType"]
    assert problem.expression == f"{root}.{path}"
    assert problem.code == "code-invalid"
    assert f"'bogus' is not a code of http://hl7.org/fhir/ValueSet/{value_set}" in problem.message


def test_every_element_the_brief_names_is_bound():
    named = {
        "Patient.gender", "Identifier.use", "HumanName.use", "ContactPoint.system",
        "ContactPoint.use", "Bundle.type", "Bundle.entry.request.method",
        "Questionnaire.status", "Questionnaire.item.type", "QuestionnaireResponse.status",
        "Task.status", "Task.intent", "Appointment.status", "Slot.status", "Procedure.status",
        "DocumentReference.status", "Consent.status", "Questionnaire.item.enableWhen.operator",
        "Questionnaire.item.enableBehavior", "AuditEvent.action",
        "OperationOutcome.issue.severity", "OperationOutcome.issue.code",
    }
    assert named <= BINDINGS.keys()


def test_the_message_lists_a_short_value_set_and_not_a_long_one():
    resource = patient()
    resource["gender"] = "M"
    [problem] = check_bindings(resource)
    assert problem == Problem(
        "Patient.gender",
        "'M' is not a code of http://hl7.org/fhir/ValueSet/administrative-gender "
        "(one of: female, male, other, unknown)")
    outcome = operation_outcome()
    outcome["issue"][0]["code"] = "oops"
    [problem] = check_bindings(outcome)
    assert "one of" not in problem.message  # issue-type has 31 codes


def test_codes_are_case_sensitive():
    resource = patient()
    resource["gender"] = "Female"
    resource["name"][0]["use"] = "OFFICIAL"
    assert [p.expression for p in check_bindings(resource)] == [
        "Patient.name[0].use", "Patient.gender"]


def test_all_problems_come_back_in_document_order():
    resource = patient()
    resource["identifier"][0]["use"] = "primary"
    resource["telecom"][1]["system"] = "pigeon"
    resource["telecom"][1]["use"] = "holiday"
    resource["gender"] = "f"
    assert [p.expression for p in check_bindings(resource)] == [
        "Patient.identifier[0].use", "Patient.telecom[1].system", "Patient.telecom[1].use",
        "Patient.gender"]


def test_datatypes_are_found_inside_references_and_extensions():
    resource = patient()
    resource["managingOrganization"] = {"identifier": {"use": "work", "value": "974749025"}}
    resource["extension"] = [
        {"url": "http://example.no/fhir/ext/kontakt",
         "valueContactPoint": {"system": "phone", "use": "cell", "value": "+4791234567"}},
        {"url": "http://example.no/fhir/ext/tider",
         "valueTiming": {"repeat": {"dayOfWeek": ["mon", "monday"], "periodUnit": "week",
                                    "when": ["MORN", "morning"]}}},
        {"url": "http://example.no/fhir/ext/alder",
         "valueAge": {"value": 40, "comparator": "~"}},
    ]
    assert [p.expression for p in check_bindings(resource)] == [
        "Patient.managingOrganization.identifier.use",
        "Patient.extension[0].valueContactPoint.use",
        "Patient.extension[1].valueTiming.repeat.dayOfWeek[1]",
        "Patient.extension[1].valueTiming.repeat.periodUnit",
        "Patient.extension[1].valueTiming.repeat.when[1]",
        "Patient.extension[2].valueAge.comparator",
    ]


def test_contained_resources_are_checked_with_their_own_bindings():
    resource = questionnaire_response()
    inner = patient()
    inner["gender"] = "kvinne"
    inner["id"] = "p1"
    resource["contained"] = [inner]
    [problem] = check_bindings(resource)
    assert problem.expression == "QuestionnaireResponse.contained[0].gender"


def test_answers_inside_a_questionnaire_response_are_walked():
    resource = questionnaire_response()
    resource["item"][0]["item"][5]["answer"] = [
        {"valueQuantity": {"value": 38, "comparator": "about", "unit": "Cel"}}]
    [problem] = check_bindings(resource)
    assert problem.expression == (
        "QuestionnaireResponse.item[0].item[5].answer[0].valueQuantity.comparator")


def test_nested_answer_items_are_walked():
    resource = questionnaire_response()
    nested = resource["item"][0]["item"][0]["answer"][0]["item"][0]
    nested["answer"] = [{"valueReference": {"identifier": {"use": "main", "value": "1"}}}]
    [problem] = check_bindings(resource)
    assert problem.expression == ("QuestionnaireResponse.item[0].item[0].answer[0].item[0]"
                                  ".answer[0].valueReference.identifier.use")


def test_primitive_extensions_unknown_elements_and_non_strings_are_not_ours_to_judge():
    resource = patient()
    resource["_gender"] = {"extension": [{"url": "x", "valueCode": "not-checked"}]}
    resource["unknownElement"] = {"use": "bogus"}
    resource["name"][0]["use"] = 12  # a structural error: fhir.resources reports it
    assert check_bindings(resource) == []


def test_an_extension_value_code_is_not_bound():
    resource = patient()
    resource["extension"] = [{"url": "http://example.no/fhir/ext/x", "valueCode": "anything"}]
    assert check_bindings(resource) == []


@pytest.mark.parametrize("resource", [
    None, [], "Patient", {}, {"resourceType": 1}, {"resourceType": "Spaceship"},
    {"resourceType": "Identifier", "use": "bogus"}, {"resourceType": "Resource"},
])
def test_something_that_is_not_a_resource_is_a_structure_problem(resource):
    [problem] = check_bindings(resource)
    assert (problem.expression, problem.code) == ("resourceType", "structure")


def test_the_bundle_entries_are_checked_at_their_place_in_the_bundle():
    bundle = transaction()
    bundle["entry"][0]["request"]["method"] = "FETCH"
    bundle["entry"][1]["resource"]["identifier"][0]["use"] = "national"
    assert [p.expression for p in check_bindings(bundle)] == [
        "Bundle.entry[0].request.method", "Bundle.entry[1].resource.identifier[0].use"]


# --- the table itself ---


def test_every_binding_names_a_code_element_of_the_model():
    """A typo in BINDINGS would silently check nothing; walk each path through the models."""
    for path, value_set in BINDINGS.items():
        assert value_set in VALUE_SETS, path
        root, *elements = path.split(".")
        model = importlib.import_module(f"fhir.resources.R4B.{root.lower()}").__dict__[root]
        for element in elements[:-1]:
            model = _fields(model)[element]
            assert model is not None, path
        assert elements[-1] in _fields(model), path
        assert _fields(model)[elements[-1]] is None, f"{path} is not a primitive"


def test_every_value_set_is_used():
    assert set(BINDINGS.values()) == VALUE_SETS.keys()


def test_the_value_sets_agree_with_the_codes_fhir_resources_lists():
    """fhir.resources notes the codes of some bindings (R4B, from the element's short
    description). Where its list is complete, ours must be the same: R4 and R4B agree on
    every value set we hold."""
    compared = 0
    for path, value_set in BINDINGS.items():
        root, *elements = path.split(".")
        model = importlib.import_module(f"fhir.resources.R4B.{root.lower()}").__dict__[root]
        for element in elements[:-1]:
            model = _fields(model)[element]
        field = next(f for f in model.model_fields.values() if f.alias == elements[-1])
        listed = (field.json_schema_extra or {}).get("enum_values")
        if not listed or "+" in listed or "etc." in listed:
            continue
        assert frozenset(listed) == VALUE_SETS[value_set], path
        compared += 1
    assert compared >= 35


def test_check_bindings_does_not_change_the_resource():
    resource = patient()
    resource["gender"] = "bogus"
    before = copy.deepcopy(resource)
    check_bindings(resource)
    assert resource == before
