"""OAuth2 for systems: the client-credentials token endpoint and bearer-token checks.

APIs protect their views with :func:`citizen.oauth.bearer.require_scope`.
"""
