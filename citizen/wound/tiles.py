"""Min side's questionnaires tile: the questionnaire waiting for her answer, its last day,
and the way straight to it."""

from __future__ import annotations

from flask import g, url_for

from citizen.babel_cache import gettext as _
from citizen.home.tiles import connect_tile
from citizen.i18n import day
from services.clock import today_in_norway
from services.people.representation import Representation
from services.wound import cases


def _open(representation: Representation) -> list[cases.Case]:
    """Her open questionnaires, read (and audited) once per request however many times
    the tile asks."""
    cache = g.setdefault("wound_tile_cases", {})
    subject_id = representation.subject.id
    if subject_id not in cache:
        cache[subject_id] = [c for c in cases.cases_of(person_id=subject_id,
                                                             actor=g.actor) if c.is_open]
    return cache[subject_id]


def attention(representation: Representation) -> int:
    return len(_open(representation))


def status(representation: Representation) -> str | None:
    waiting = _open(representation)
    if not waiting:
        return None
    last_day = waiting[0].answer_by
    if last_day is None or today_in_norway() > last_day:
        return _("Questions after the operation. You can still answer them.")
    return _("Questions after the operation. Answer by %(date)s.", date=day(last_day))


def link(representation: Representation) -> tuple[str, str] | None:
    waiting = _open(representation)
    if not waiting:
        return None
    first = waiting[0]
    label = _("Continue answering") if first.has_draft else _("Answer the questions")
    return label, url_for("wound.questionnaire", case_id=first.case.id)


connect_tile("questionnaires", endpoint="wound.questionnaire_list", attention=attention,
             status=status, link=link)
