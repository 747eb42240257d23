"""Server-side login sessions for citizens and staff (the cookie holds only a random token)."""

from services.domain import Domain

DOMAIN = Domain("sessions", models="services.sessions.models",
                registers=("services.sessions.tasks",))
