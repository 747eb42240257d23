"""Where the notification pages are reached from: Min side's messages tile, the staff home."""

from flask_babel import lazy_gettext as _l

from citizen.home.staff_entries import Entry, register_entry
from citizen.home.tiles import Tile, register_tile
from services.people.models import Role

register_tile(Tile(
    "messages", _l("Messages and notices"),
    empty=_l("You have no messages. Here you can choose how we tell you about new things: "
             "by text message or by e-mail."),
    empty_for_other=_l("There are no messages. New messages will show up here."),
    endpoint="notifications.settings_page",
))
register_entry(Entry(
    "notify-outbox", Role.ADMIN, _l("Messages that could not be sent"),
    _l("Text messages and e-mails that failed or were given up, and sending one again."),
    endpoint="notifications.outbox"))
register_entry(Entry(
    "notify-letters", Role.ADMIN, _l("Letters to send by post"),
    _l("People who do not get digital notices: the letters to print and post."),
    endpoint="notifications.letters"))
