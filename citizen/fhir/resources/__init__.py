"""One module per FHIR resource type; importing it registers its handler.

The web side's one place for a domain's FHIR handlers: a line per resource type that a
domain declares in ``fhir_resources`` (services/<domain>/__init__.py). A test holds the
registered handlers and the declarations to the same set of types.
"""

from citizen.fhir.resources import (
    appointment,  # noqa: F401  (ultrasound: Appointment)
    auditevent,  # noqa: F401  (records: AuditEvent)
    binary,  # noqa: F401  (records: Binary)
    condition,  # noqa: F401  (wound: Condition)
    consent,  # noqa: F401  (records: Consent)
    documentreference,  # noqa: F401  (records: DocumentReference)
    observation,  # noqa: F401  (ultrasound: Observation)
    patient,  # noqa: F401  (people: Patient)
    procedure,  # noqa: F401  (wound: Procedure)
    questionnaireresponse,  # noqa: F401  (wound: QuestionnaireResponse)
    schedule,  # noqa: F401  (ultrasound: Schedule)
    slot,  # noqa: F401  (ultrasound: Slot)
)
