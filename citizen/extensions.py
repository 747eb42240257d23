"""Unbound extension objects; ``create_app`` binds them with ``init_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from services.db import db

babel = Babel()
migrate = Migrate()
#: Every state-changing form needs a CSRF token; bearer-token APIs are exempted per blueprint.
csrf = CSRFProtect()
#: No default limits: login and token endpoints declare their own.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

__all__ = ["babel", "csrf", "db", "limiter", "migrate"]
