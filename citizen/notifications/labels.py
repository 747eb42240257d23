"""Names people read for notification codes: events, the settings service's refusals."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: Each event's name on the settings page's preview. A domain that registers an event adds
#: its line here; without one the page shows the event's code.
EVENT_LABELS = {
    "notify.new-message": _l("A new message"),
    "notify.test": _l("A test message"),
}

#: The settings service's refusals (``InvalidSettings.errors``), as form errors.
REFUSALS = {
    "invalid_mobile": _l("Enter a phone number, like 912 34 567"),
    "not_a_mobile": _l("Enter a mobile number: we can only send text messages to a mobile"),
    "invalid_email": _l("Enter an e-mail address, like kari@example.no"),
}


def event_label(name: str) -> str:
    return str(EVENT_LABELS.get(name, name))
