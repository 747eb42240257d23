"""The two clients the dev identity provider knows: our own citizen and staff logins.

Their secrets are not secrets: the provider exists only where ``DEV_FEATURES`` is on, and
production refuses to start with dev features (``citizen.config``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DevClient:
    client_id: str
    secret: str
    #: ``citizen`` or ``staff``: which people the login page offers.
    audience: str
    #: Endpoint of our callback; the only redirect URI the provider accepts for this client.
    callback_endpoint: str


DEV_CLIENTS = {
    client.client_id: client
    for client in (
        DevClient("minhelse-citizen-dev", "dev-idp-citizen-secret", "citizen", "auth.callback"),
        DevClient("minhelse-staff-dev", "dev-idp-staff-secret", "staff", "auth.staff_callback"),
    )
}
#: The provider lives under the app's public base URL, at this path.
DEV_IDP_PATH = "/dev-idp"


def dev_client_for(audience: str) -> DevClient:
    return next(c for c in DEV_CLIENTS.values() if c.audience == audience)
