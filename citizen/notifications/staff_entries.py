"""The administrators' notification pages on the staff home."""

from flask_babel import lazy_gettext as _l

from citizen.home.staff_entries import Entry, register_entry
from services.people.models import Role

register_entry(Entry(
    "notify-outbox", Role.ADMIN, _l("Messages that could not be sent"),
    _l("Text messages and e-mails that failed or were given up, and sending one again."),
    endpoint="notifications.outbox"))
register_entry(Entry(
    "notify-letters", Role.ADMIN, _l("Letters to send by post"),
    _l("People who do not get digital notices: the letters to print and post."),
    endpoint="notifications.letters"))
