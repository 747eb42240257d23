"""The application factory: a short list of ``register_*`` steps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from citizen import (
    auth,
    cli,
    errors,
    fhir,
    helsenorge,
    home,
    i18n,
    integrations,
    notifications,
    observability,
    ops,
    records,
    records_staff,
    security,
    site,
    transactions,
    ultrasound,
    ultrasound_staff,
    webhooks,
    wound,
    wound_staff,
)
from citizen.api.blueprint import blueprint as api_blueprint
from citizen.config import flask_config, load_settings
from citizen.extensions import csrf, db, limiter, migrate
from citizen.oauth.blueprint import blueprint as oauth_blueprint
from citizen.worker import celery_init_app
from services import domains

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class CitizenApp(Flask):
    """Flask, remembering which hooks and views are coroutines.

    Flask asks ``inspect`` anew for each of the dozen hooks every request runs; the answer
    never changes, and asking was a twentieth of what ``/healthz`` cost.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable, Callable] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        try:
            return self._sync[func]
        except KeyError:
            return self._sync.setdefault(func, super().ensure_sync(func))
        except TypeError:  # an unhashable callable object
            return super().ensure_sync(func)


def create_app(config_override: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment; ``config_override`` wins (tests use it)."""
    app = CitizenApp(
        "citizen",
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_mapping(flask_config(load_settings()))
    if config_override:
        app.config.from_mapping(config_override)
    observability.register_logging(app)
    # Every domain's models, tasks, due jobs and senders, in every process (web, worker, CLI).
    domains.load()
    register_extensions(app)
    register_blueprints(app)
    errors.register_error_handlers(app)
    transactions.register_request_transaction(app)
    observability.register_request_metrics(app)
    cli.register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    i18n.register_babel(app)
    csrf.init_app(app)
    limiter.init_app(app)
    security.register_security(app)
    integrations.register_integrations(app)
    celery_init_app(app)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(home.blueprint)
    app.register_blueprint(site.blueprint)
    app.register_blueprint(ops.blueprint)
    auth.register_auth(app)
    app.register_blueprint(oauth_blueprint)
    app.register_blueprint(helsenorge.blueprint)
    app.register_blueprint(webhooks.blueprint)
    app.register_blueprint(fhir.blueprint)
    app.register_blueprint(api_blueprint)
    notifications.register_notifications(app)
    ultrasound.register_ultrasound(app)
    ultrasound_staff.register_ultrasound_staff(app)
    records.register_records(app)
    records_staff.register_records_staff(app)
    wound.register_wound(app)
    wound_staff.register_wound_staff(app)
