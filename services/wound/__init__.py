"""Wound-infection follow-up after surgery (NOIS-POSI's digital successor).

The hospital registers operations (FHIR Procedure); each gets a follow-up case whose
questionnaire the patient answers 30 (or 90) days later on the web, through helsenorge, by
an app over FHIR, or by SMS; infection-control staff triage, review and classify. The
procedure catalogue is data (``catalogue``), the NNIS risk index one rule (``risk``), the
questionnaire a versioned data file (``questionnaires``).
"""

from services.domain import Domain

DOMAIN = Domain("wound", models="services.wound.models",
                registers=("services.wound.events", "services.wound.invitations",
                           "services.wound.helsenorge", "services.wound.sms"),
                demo="services.wound.demo",
                fhir_resources=("Condition", "Procedure", "QuestionnaireResponse"))
