"""My record, the staff side: records officers answer access-log questions for their
organisation; staff read a patient's documents, giving a reason outside their work list."""

from flask import Flask

from citizen.records_staff import (
    documents,
    questions,
    staff_entries,  # noqa: F401 - it registers
)


def register_records_staff(app: Flask) -> None:
    for part in (documents, questions):
        app.register_blueprint(part.blueprint)


__all__ = ["register_records_staff"]
