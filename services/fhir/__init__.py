"""FHIR checks that fhir.resources does not do: required code bindings, and a
QuestionnaireResponse against its Questionnaire. Plain Python over resource dicts;
never imports Flask or ``citizen``."""

from services.fhir.problem import Problem

__all__ = ["Problem"]
