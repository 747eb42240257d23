"""The tiles on Min side: one per citizen service, each registered in one place.

Each tile's title and texts are registered here, in the page's order; a service plugs in
from its own package with ``connect_tile(key, endpoint=..., attention=..., ...)``, which
gives that tile its page and what it counts and says, keeping texts and place. ``attention``
counts what needs the citizen now (an unanswered questionnaire, an appointment to confirm)
for whom they act for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l

from citizen.babel_cache import ngettext
from services.people.models import Area
from services.people.representation import Representation


def _nothing_yet(_representation: Representation) -> int:
    return 0


@dataclass(frozen=True)
class Tile:
    key: str
    title: str
    #: What will appear here, shown while there is nothing.
    empty: str
    #: The same, said of the person one acts for (a parent for a child, a fullmakt holder).
    empty_for_other: str
    #: The area of representation the tile belongs to; hidden from a representative
    #: whose fullmakt or parental responsibility does not cover it. None: always shown.
    area: Area | None = None
    #: The service's page; None until the service exists.
    endpoint: str | None = None
    attention: Callable[[Representation], int] = _nothing_yet
    #: One line about what is there (the next appointment); None: show ``empty``.
    status: Callable[[Representation], str | None] | None = None
    #: A link straight to what waits (label, URL), such as the questionnaire to answer.
    link: Callable[[Representation], tuple[str, str] | None] | None = None


_tiles: dict[str, Tile] = {}


def register_tile(tile: Tile) -> Tile:
    """Add a tile, or replace the one with the same key (keeps its place)."""
    _tiles[tile.key] = tile
    return tile


def connect_tile(key: str, *, endpoint: str,
                 attention: Callable[[Representation], int] = _nothing_yet,
                 status: Callable[[Representation], str | None] | None = None,
                 link: Callable[[Representation], tuple[str, str] | None] | None = None) -> Tile:
    """Give the tile ``key`` its service: its page and what it counts, says and links to."""
    tile = replace(_tiles[key], endpoint=endpoint, attention=attention, status=status,
                   link=link)
    _tiles[key] = tile
    return tile


def tiles_for(representation: Representation) -> list[Tile]:
    """The tiles to show when acting for ``representation``'s subject, in order."""
    return [tile for tile in _tiles.values()
            if tile.area is None or tile.area in representation.areas]


def attention_text(count: int) -> str:
    return ngettext("%(num)d thing needs your attention", "%(num)d things need your attention",
                    count)


register_tile(Tile(
    "appointments", _l("Appointments"), area=Area.APPOINTMENTS,
    empty=_l("You have no appointments. When the hospital books one for you, you will see "
             "it here. You can also change or cancel it here."),
    empty_for_other=_l("There are no appointments. When the hospital books one, you will "
                       "see it here."),
))
register_tile(Tile(
    "questionnaires", _l("Questionnaires"), area=Area.QUESTIONNAIRES,
    empty=_l("You have no questionnaires to answer. After some operations we ask how the "
             "wound heals. The questions will show up here."),
    empty_for_other=_l("There are no questionnaires to answer. When there are, they will "
                       "show up here."),
))
register_tile(Tile(
    "records", _l("My health record"), area=Area.RECORDS,
    empty=_l("There are no documents yet. Letters and notes from the hospital will show up "
             "here. You can also see who has read your record."),
    empty_for_other=_l("There are no documents yet. Letters and notes from the hospital "
                       "will show up here."),
))
register_tile(Tile(
    "messages", _l("Messages and notices"),
    empty=_l("You have no messages. Here you can choose how we tell you about new things: "
             "by text message or by e-mail."),
    empty_for_other=_l("There are no messages. New messages will show up here."),
))
