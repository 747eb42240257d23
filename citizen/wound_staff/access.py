"""Who reaches the surveillance pages and API, and how a case is found for them:
infection-control staff, and only their own hospital's cases (another's is 404, as if it
were not there). ``ID`` is a case's or a photo's id in a path."""

from __future__ import annotations

from flask import g
from werkzeug.exceptions import NotFound

from citizen.auth.current import staff_required
from citizen.ids import ID
from services.people.models import Role
from services.wound import staff
from services.wound.models import FollowUp

__all__ = ["ID", "case_or_404", "infection_control"]

infection_control = staff_required(role=Role.INFECTION_CONTROL)


def case_or_404(case_id: int) -> FollowUp:
    try:
        return staff.case_for(case_id, actor=g.actor)
    except staff.NotFound:
        raise NotFound() from None
