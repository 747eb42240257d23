"""The request owns the transaction: one commit at the end, or a rollback on any failure."""

from flask import Flask, Response

from services import audit
from services.db import db


def register_request_transaction(app: Flask) -> None:
    @app.after_request
    def commit_or_roll_back(response: Response) -> Response:
        # Audit rows are written on reads too, so a successful GET commits as well.
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        # Refused attempts noted during the request outlive its rollback.
        if audit.write_refusals():
            db.session.commit()
        return response
