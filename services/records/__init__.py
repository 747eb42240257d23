"""My record: the hospital's documents, who has seen them, what she blocks, her exports.

The hospital system sends ``DocumentReference`` over FHIR; the citizen (or someone acting
for her) reads and downloads them, sees the access log and asks why, blocks sharing, and
exports everything. Who sees which document is one rule: ``services.records.access``.
"""

from services.domain import Domain

DOMAIN = Domain("records", models="services.records.models", demo="services.records.demo",
                registers=("services.records.events", "services.records.export",
                           "services.records.tasks"),
                fhir_resources=("AuditEvent", "Binary", "Consent", "DocumentReference"))
