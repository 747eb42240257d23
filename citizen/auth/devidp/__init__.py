"""The built-in dev identity provider at ``<PUBLIC_BASE_URL>/dev-idp``.

Registered only when ``DEV_FEATURES`` is on (production refuses dev features); with no
issuer configured, the citizen and staff logins use it, over real HTTP.
"""

from citizen.auth.devidp.blueprint import blueprint

__all__ = ["blueprint"]
