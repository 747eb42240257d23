"""Staff login (HelseID style) and choosing the organisation to work in.

The token says who someone is, never what they may do: roles and organisations come from
local assignments (``services.people``), so a provider cannot grant access here.
"""

from __future__ import annotations

import logging

from flask import g, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from citizen.auth import oidc
from citizen.auth.current import current_session, current_staff, staff_required
from citizen.auth.oidc import LoginFailed
from citizen.auth.redirects import safe_next
from citizen.auth.schemas import OrganisationForm
from citizen.auth.views import NEXT_KEY, login_failed, public_url
from citizen.auth.web_sessions import log_in
from citizen.payloads import load_form
from services.actors import Actor
from services.db import db
from services.people import service as people
from services.people.models import Organisation
from services.sessions import service as sessions

log = logging.getLogger(__name__)

#: HelseID's claim with the Helsepersonellregisteret number.
HPR_CLAIM = "helseid://claims/hpr/hpr_number"


def _no_access(reason: str) -> LoginFailed:
    return LoginFailed(403, _l("You do not have access as staff here. Contact your "
                               "administrator if you should have."), reason=reason)


def staff_login():
    flask_session[NEXT_KEY] = safe_next(request.args.get("next"),
                                        default=url_for("home.staff_home"))
    try:
        return oidc.begin_login(oidc.STAFF, callback_url=public_url("auth.staff_callback"))
    except LoginFailed as exc:
        return login_failed(exc, retry_endpoint="auth.staff_login")


def staff_callback():
    try:
        verified = oidc.finish_login(oidc.STAFF)
        staff = people.find_staff(national_id=verified.national_id)
        if staff is None:
            raise _no_access("unknown-staff")
        hpr = verified.claims.get(HPR_CLAIM)
        if hpr and staff.hpr_number and str(hpr) != staff.hpr_number:
            raise _no_access("hpr-mismatch")
        organisations = sorted(people.staff_roles(staff))
        if not organisations:
            raise _no_access("no-roles")
    except LoginFailed as exc:
        log.info("staff login refused", extra={"reason": exc.reason})
        return login_failed(exc, retry_endpoint="auth.staff_login")
    only = organisations[0] if len(organisations) == 1 else None
    next_url = safe_next(flask_session.pop(NEXT_KEY, None), default=url_for("home.staff_home"))
    if only is None:
        next_url = url_for("auth.staff_organisation", next=next_url)
    return log_in(kind=sessions.SessionKind.STAFF, login=verified, next_url=next_url,
                  staff_id=staff.id, organisation_id=only,
                  actor=Actor.staff(staff.id, organisation_id=only,
                                    request_id=g.get("request_id")))


@staff_required(organisation=False)
def staff_organisation():
    staff = current_staff()
    ids = sorted(people.staff_roles(staff))
    organisations = [db.session.get(Organisation, org_id) for org_id in ids]
    return render_template(
        "auth/organisation.html",
        organisations=organisations,
        roles=people.staff_roles(staff),
        chosen=current_session().organisation_id,
        next=safe_next(request.args.get("next"), default=""),
    )


@staff_required(organisation=False)
def choose_staff_organisation():
    form = load_form(OrganisationForm())
    try:
        sessions.choose_organisation(web_session=current_session(), staff=current_staff(),
                                     organisation_id=form["organisation_id"], actor=g.actor)
    except people.NotFound:
        raise NotFound() from None
    return redirect(safe_next(form["next"], default=url_for("home.staff_home")), code=303)
