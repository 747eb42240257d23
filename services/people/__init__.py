"""People: citizens, staff, organisations and representation (who may act for whom)."""
