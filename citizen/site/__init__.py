"""The site around the services: contact, privacy and accessibility statements, the
stylesheet under a fingerprinted address, and addresses too long to serve."""

from citizen.site.blueprint import blueprint

__all__ = ["blueprint"]
