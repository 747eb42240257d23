"""The request owns the transaction: one commit at the end, or a rollback on any failure."""

from flask import Flask, Response

from services import audit
from services.db import db


def register_request_transaction(app: Flask) -> None:
    @app.after_request
    def commit_or_roll_back(response: Response) -> Response:
        # A request that never touched the database has nothing to end; creating a session
        # and an empty transaction to commit cost /healthz a sixth of its time.
        if not db.session.registry.has():
            return response
        session = db.session()
        if session.in_transaction():
            # Audit rows are written on reads too, so a successful GET commits as well.
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        # Refused attempts noted during the request outlive its rollback.
        if audit.write_refusals():
            session.commit()
        return response
