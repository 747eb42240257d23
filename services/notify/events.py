"""The catalogue of events a citizen can be notified of.

Each domain registers its own events in one of its modules (named in its ``registers``), so
``notify()`` refuses an event nobody declared, and the settings page can preview every kind.
Every event has templates under ``templates/notifications/<event>/`` (see ``content``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Event:
    name: str
    #: Essential messages (an appointment moved, an answer she asked for) go even to a
    #: citizen who opted out of the others.
    essential: bool
    #: A realistic context for the templates: the settings page previews the event with it,
    #: and the content test renders every template with it.
    example: Mapping[str, Any] = field(default_factory=dict)
    #: Shown in the settings page's preview (not the operator's test message).
    previewed: bool = True


class UnknownEvent(LookupError):
    """No domain registered an event of this name."""


_events: dict[str, Event] = {}


def register_event(name: str, *, essential: bool, example: Mapping[str, Any] | None = None,
                   previewed: bool = True) -> Event:
    """Declare an event; its name is also its template folder (``domain.what-happened``)."""
    if not name or "/" in name or name != name.strip():
        raise ValueError(f"not an event name: {name!r}")
    registered = Event(name=name, essential=essential,
                       example=MappingProxyType(dict(example or {})), previewed=previewed)
    _events[name] = registered
    return registered


def event(name: str) -> Event:
    try:
        return _events[name]
    except KeyError:
        raise UnknownEvent(f"no event {name!r} is registered") from None


def registered_events() -> list[Event]:
    """Every event, by name."""
    return [_events[name] for name in sorted(_events)]


#: The operator's test message (``flask notify test``): says nothing but that it works.
TEST = register_event("notify.test", essential=True, previewed=False)
#: "You have a new message from <hospital>": the generic notice any service can send.
NEW_MESSAGE = register_event("notify.new-message", essential=True)
