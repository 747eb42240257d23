"""My record on the web: her documents, who has seen them and "ask why", what she blocks,
who may act for her, her consent history and the export of everything. Each part has
its own blueprint in its own module; the /api/v1 endpoints are routed by
``citizen/api/blueprint.py``."""

from flask import Flask

from citizen.records import (
    access_log,
    documents,
    exports,
    privacy,
    proxies,
    tiles,  # noqa: F401 - registers the home tile
)
from citizen.records.nav import records_nav


def register_records(app: Flask) -> None:
    for part in (documents, access_log, privacy, proxies, exports):
        app.register_blueprint(part.blueprint)
    app.add_template_global(records_nav)
    exports.register_export_renderer(app)


__all__ = ["register_records"]
