"""Min side's record tile: documents new since her last look at the list (or in the last
30 days), and answers to her "ask why" questions she has not seen."""

from __future__ import annotations

from flask import g

from citizen.babel_cache import gettext as _
from citizen.home.tiles import connect_tile
from citizen.i18n import day
from services.people.representation import Representation
from services.records import access, documents


def _news(representation: Representation) -> documents.News | None:
    """Read (and audited) once per request however many times the tile asks; None while
    online access is removed."""
    cache = g.setdefault("records_tile_news", {})
    subject_id = representation.subject.id
    if subject_id not in cache:
        cache[subject_id] = (None if access.online_access_removed(subject_id)
                             else documents.news_for(person_id=subject_id, actor=g.actor))
    return cache[subject_id]


def attention(representation: Representation) -> int:
    news = _news(representation)
    return 0 if news is None else news.new_documents + news.unseen_answers


def status(representation: Representation) -> str | None:
    news = _news(representation)
    if news is None:
        return _("Online access to the record is removed.")
    if news.latest is None:
        return None
    return _("Newest document: %(date)s", date=day(news.latest))


connect_tile("records", endpoint="records_documents.document_list", attention=attention,
             status=status)
