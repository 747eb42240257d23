"""Who reaches the surveillance pages, and how a case is found for them: infection-control
staff, and only their own hospital's cases (another's is 404, as if it were not there)."""

from __future__ import annotations

from flask import g
from werkzeug.exceptions import NotFound

from citizen.auth.current import staff_required
from services.people.models import Role
from services.wound import staff
from services.wound.models import FollowUp

#: A case's or a photo's id in a path (the database's integer).
ID = "int(max=2147483647)"
infection_control = staff_required(role=Role.INFECTION_CONTROL)


def case_or_404(case_id: int) -> FollowUp:
    try:
        return staff.case_for(case_id, actor=g.actor)
    except staff.NotFound:
        raise NotFound() from None
