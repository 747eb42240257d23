"""Celery wired the Flask way: every task runs inside an application context."""

from __future__ import annotations

from pathlib import Path

from celery import Celery, Task, signals
from flask import Flask
from kombu import Exchange, Queue

from services.db import db

#: Modules whose tasks, due jobs and outbox channels every process must know.
TASK_MODULES = ["services.jobs.tasks", "services.outbox.tasks", "services.helsenorge.service",
                "services.clients.tasks", "services.sessions.tasks", "services.audit.tasks"]

DEFAULTS = {
    "task_serializer": "json",
    "result_serializer": "json",
    "accept_content": ["json"],
    "timezone": "UTC",
    "enable_utc": True,
    # A task is acknowledged only after it finished, and redelivered if its worker dies:
    # tasks are idempotent, so at-least-once is the safe side.
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "worker_prefetch_multiplier": 1,
    "task_ignore_result": True,
    "task_default_queue": "default",
    "task_queues": [
        Queue(name, Exchange(name, type="direct"), routing_key=name)
        for name in ("default", "notifications")
    ],
    # Everything that leaves the house (SMS, e-mail, helsenorge) has a queue of its own, so
    # a slow receiver never holds up due work.
    "task_routes": {"notify.*": {"queue": "notifications"},
                    "outbox.*": {"queue": "notifications"}},
    "broker_connection_retry_on_startup": True,
    "worker_hijack_root_logger": False,
}


@signals.setup_logging.connect
def _keep_our_logging(**_kwargs) -> None:
    """Connected, so Celery leaves logging alone: the app's JSON handler stays in charge."""


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for ``app`` and store it in ``app.extensions["celery"]``."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                except BaseException:
                    db.session.rollback()
                    raise

    celery_app = Celery(app.name, task_cls=FlaskTask)
    settings = app.config["CELERY"]
    celery_app.config_from_object({
        **DEFAULTS,
        **settings,
        # Celery lets $CELERY_BROKER_URL beat its own config; the read/write URLs make the
        # app's configuration the one source, as it is for everything else.
        "broker_read_url": settings["broker_url"],
        "broker_write_url": settings["broker_url"],
    })
    if settings["broker_url"] == "filesystem://":
        for folder in settings["broker_transport_options"].values():
            Path(folder).mkdir(parents=True, exist_ok=True)
        # One local worker needs no remote control; over files it would only poll the disk.
        celery_app.conf.worker_enable_remote_control = False
    celery_app.set_default()
    celery_app.autodiscover_tasks(lambda: TASK_MODULES, related_name=None, force=True)
    app.extensions["celery"] = celery_app
    return celery_app
