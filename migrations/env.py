"""Alembic environment: the app's engine and metadata, batch mode for SQLite."""

import logging

from alembic import context
from flask import current_app

from services.db import UTCDateTime

log = logging.getLogger("alembic.env")
config = context.config
migrate_ext = current_app.extensions["migrate"]
metadata = migrate_ext.db.metadata


def render_item(type_, obj, autogen_context):
    """Write our UTCDateTime as the plain timezone-aware DateTime it stores."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(context_, inspected_column, metadata_column, inspected_type, metadata_type):
    if isinstance(metadata_type, UTCDateTime):
        return False
    return None


def _configure_kwargs():
    return {
        "target_metadata": metadata,
        "render_as_batch": True,
        "compare_type": compare_type,
        "render_item": render_item,
        **migrate_ext.configure_args,
    }


def run_migrations_offline() -> None:
    url = migrate_ext.db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, literal_binds=True, **_configure_kwargs())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            log.info("no changes in schema detected")

    kwargs = _configure_kwargs()
    kwargs.setdefault("process_revision_directives", skip_empty)
    with migrate_ext.db.engine.connect() as connection:
        context.configure(connection=connection, **kwargs)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
