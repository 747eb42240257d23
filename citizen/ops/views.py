from flask import current_app, jsonify

from citizen.observability.metrics import render_metrics
from citizen.ops import checks


def healthz():
    """The process is alive and answering."""
    return jsonify(status="ok")


def readyz():
    """The database and the broker are reachable; 503 naming what is not."""
    problems = [
        p
        for p in (
            checks.database_problem(),
            checks.broker_problem(current_app.extensions["celery"]),
        )
        if p
    ]
    if problems:
        return jsonify(status="unavailable", problems=problems), 503
    return jsonify(status="ok")


def metrics():
    return render_metrics(
        checks.queue_depths(current_app.extensions["celery"]), checks.due_job_last_success()
    )
