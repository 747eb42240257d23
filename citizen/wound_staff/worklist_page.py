"""``/staff/ssi/worklist``: the hospital's cases in the order they are worked
(``services.wound.worklist``), in groups, with the filters as a GET form, the counts as
links that filter, and keyset pages ("Next page" carries the cursor)."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, g, render_template, request, url_for

from citizen.auth.current import person_label
from citizen.i18n import current_language, day
from citizen.wound_staff import labels, worklist_query
from citizen.wound_staff.access import infection_control
from citizen.wound_staff.statistics import category_name
from services.db import db
from services.people.models import Organisation
from services.wound import catalogue, worklist
from services.wound.models import CaseState

#: Entries on a page of the worklist.
PAGE_SIZE = 50


def add_routes(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/worklist", endpoint="worklist", view_func=worklist_page)


def worklist_url(**filters: str) -> str:
    """The worklist with these filters (empty ones left out)."""
    query = {name: value for name, value in filters.items() if value}
    return url_for("wound_staff.worklist") + (f"?{urlencode(query)}" if query else "")


def units_of_hospital() -> list[Organisation]:
    """The units below the staff member's hospital, by name (the filter's choices)."""
    ids = worklist_query.hospital_units(g.actor)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids))
                                   .order_by(Organisation.name)))


@infection_control
def worklist_page():
    values = worklist_query.values_of(request.args)
    units = units_of_hospital()
    try:
        filters = worklist_query.parse_filters(request.args, units={u.id for u in units})
    except worklist_query.FilterError as exc:
        return _page(values, units, errors={name: labels.filter_error(code)
                                            for name, code in exc.errors.items()}), 422
    after = worklist_query.after_of(request.args.get("after"))
    language = current_language()
    found = worklist.worklist(actor=g.actor, filters=filters, after=after,
                               limit=PAGE_SIZE, language=language)
    groups = [(rank, _rows(entries, language))
              for rank, entries in groupby(found.entries, key=lambda e: e.rank)]
    return _page(values, units, found=found, groups=groups, first_page=after is not None,
                 next_url=worklist_url(**values, after=cursor)
                 if (cursor := worklist_query.cursor_after(found)) else None)


def _rows(entries: Iterable[worklist.Entry], language: str) -> list[tuple[str, ...]]:
    """A group's rows as the table shows them: the case's address, the patient, the
    operation and its day, the day of follow-up, the state and why it is listed. Built
    here rather than by six calls a row in the template (each a Context.call, the link a
    ``url_for``): the template escapes them."""
    case_pages = url_for("wound_staff.case", case_id=1).removesuffix("1")
    return [(f"{case_pages}{e.case.id}", person_label(e.person),
             f"{e.category_name(language)}, {day(e.operated_on)}",
             labels.follow_up_day(e.day), labels.state_name(e.case.state),
             labels.why_listed(e)) for e in entries]


def _page(values: dict[str, str], units: list[Organisation], *, errors=None, found=None,
          groups=(), first_page: bool = False, next_url: str | None = None):
    without_state = {name: value for name, value in values.items() if name != "state"}
    return render_template(
        "wound_staff/worklist.html", values=values, units=units, errors=errors or {},
        found=found, groups=groups, next_url=next_url,
        first_url=worklist_url(**values) if first_page else None,
        category_options=[(c.key, category_name(c.key)) for c in catalogue.load().categories],
        unit_options=[(u.id, u.name) for u in units],
        state_options=[(s.value, labels.state_name(s)) for s in CaseState],
        open_states=[s for s in CaseState if s in worklist.OPEN],
        state_url=lambda state: worklist_url(**without_state, state=state.value),
        flagged_url=worklist_url(**without_state) + "#flagged",
        labels=labels)
