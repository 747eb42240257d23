"""Machine callbacks from outside services (Twilio's status callbacks and inbound SMS)."""

from citizen.webhooks.blueprint import blueprint

__all__ = ["blueprint"]
