"""Min side's messages tile leads to the notification settings."""

from flask_babel import lazy_gettext as _l

from citizen.home.tiles import Tile, register_tile

register_tile(Tile(
    "messages", _l("Messages and notices"),
    empty=_l("You have no messages. Here you can choose how we tell you about new things: "
             "by text message or by e-mail."),
    empty_for_other=_l("There are no messages. New messages will show up here."),
    endpoint="notifications.settings_page",
))
