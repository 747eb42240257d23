"""Unbound extension objects; ``create_app`` binds them with ``init_app``."""

from flask_babel import Babel
from flask_migrate import Migrate

from services.db import db

babel = Babel()
migrate = Migrate()

__all__ = ["babel", "db", "migrate"]
