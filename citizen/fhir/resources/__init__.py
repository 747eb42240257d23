"""One module per FHIR resource type; importing it registers its handler."""

from citizen.fhir.resources import patient  # noqa: F401
