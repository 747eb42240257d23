"""The record section's navigation: one link to each part.

The parts are built side by side (issue 11); until they are merged the links are URL path
constants rather than ``url_for`` (which would fail on an endpoint not yet registered).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DOCUMENTS = "/records"
ACCESS_LOG = "/records/access-log"
PRIVACY = "/records/privacy"
PROXIES = "/records/proxies"
CONSENT_HISTORY = "/records/consent-history"
EXPORT = "/records/export"

#: (key, path, label), in the order the section shows them.
PARTS = (
    ("documents", DOCUMENTS, _l("Documents")),
    ("access-log", ACCESS_LOG, _l("Who has seen my record")),
    ("privacy", PRIVACY, _l("Blocking and online access")),
    ("proxies", PROXIES, _l("Who can act for me")),
    ("consent-history", CONSENT_HISTORY, _l("Consent history")),
    ("export", EXPORT, _l("Download everything")),
)


def records_nav() -> tuple[tuple[str, str, str], ...]:
    return PARTS
