"""The surveillance pages on the staff home."""
