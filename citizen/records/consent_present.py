"""Her consent history as the API gives it, and as its JSON download holds it."""

from __future__ import annotations

from citizen.records.consent_schemas import ReceiptSchema
from citizen.records.consent_text import receipt_text
from services.records.consent_history import Entry


def history_items(entries: list[Entry]) -> list[dict]:
    """The consent history as the API (and the JSON download) gives it."""
    return [ReceiptSchema().dump({
        "id": entry.receipt.id, "occurred_at": entry.receipt.occurred_at,
        "change": entry.receipt.change,
        "actor": {"kind": entry.receipt.actor_kind, "is_herself": entry.actor_is_herself,
                  "name": entry.actor_name},
        "details": entry.receipt.details, "summary": receipt_text(entry)}) for entry in entries]
