"""Her proxies on the web: give a fullmakt (to someone by fødselsnummer, for areas, until
a date), revoke one; who can act for her and for whom she can act; a child aged 12 to 15
withholds areas from their parents, or gives them back; the rules in plain language.

Fullmakter and what a child keeps from their parents are each person's own decisions:
while acting for someone else the page says so and changes nothing (403). Every form works
without JavaScript; a refusal is shown on the form (4xx), nothing typed is lost, a success
comes back with a notice (303).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound

from citizen.auth.current import acting_for, current_citizen, login_required
from citizen.babel_cache import gettext as _
from citizen.i18n import parse_day
from citizen.ids import ID
from citizen.records.consent_text import area_name, area_names
from services.clock import today_in_norway
from services.people import representation as rules
from services.people.models import Area
from services.people.representation import Basis
from services.people.service import NotFound as PeopleNotFound
from services.people.service import (
    PeopleError,
    release_to_guardians,
    revoke_fullmakt,
    withhold_from_guardians,
)
from services.records import proxies

#: Ids are PostgreSQL integers (as citizen/api/blueprint.py says; not imported from there,
#: which imports this package).
blueprint = Blueprint("records_proxies", __name__)
TEMPLATE = "records/proxies/proxies.html"
#: The longest fullmakt the form offers: helsenorge's fullmakter are time-limited too.
MAX_YEARS = 10


@blueprint.get("/records/proxies")
@login_required
def proxies_page():
    return _page()


@blueprint.post("/records/proxies")
@login_required
def give():
    if not _herself():
        return _page(status=403)
    form = request.form
    entered = {"national_id": form.get("national_id", "").strip(),
               "areas": form.getlist("areas"), "starts_on": form.get("starts_on", "").strip(),
               "ends_on": form.get("ends_on", "").strip()}
    today = today_in_norway()
    errors = {}
    areas = [Area(a) for a in entered["areas"] if a in Area._value2member_map_]
    if not areas:
        errors["areas"] = _("Choose at least one area.")
    starts_on = parse_day(entered["starts_on"]) if entered["starts_on"] else today
    ends_on = parse_day(entered["ends_on"])
    if starts_on is None:
        errors["starts_on"] = _("Write the date as day.month.year, for example 1.3.2027.")
    elif starts_on < today:
        errors["starts_on"] = _("The fullmakt cannot start before today.")
    if ends_on is None:
        errors["ends_on"] = _("Write the last day of the fullmakt as day.month.year, for "
                              "example 1.3.2027.")
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("The last day cannot be before the first.")
    elif ends_on > _years_later(today, MAX_YEARS):
        errors["ends_on"] = _("A fullmakt can last at most %(years)d years.", years=MAX_YEARS)
    if not entered["national_id"]:
        errors["national_id"] = _("Write the fødselsnummer or D-number (11 digits).")
    if errors:
        return _page(entered=entered, errors=errors, status=422)
    try:
        proxies.give_fullmakt(giver=current_citizen(), recipient_national_id=entered["national_id"],
                              areas=areas, starts_on=starts_on, ends_on=ends_on, actor=g.actor)
    except proxies.InvalidRecipient:
        return _page(entered=entered, status=422, errors={"national_id": _(
            "This is not a valid fødselsnummer or D-number. Check the 11 digits.")})
    except PeopleError as exc:
        return _page(entered=entered, status=422, errors={"national_id": _refusal(str(exc))})
    flash(_("The fullmakt is given."), "success")
    return redirect(url_for("records_proxies.proxies_page"), code=303)


@blueprint.post(f"/records/proxies/<{ID}:fullmakt_id>/revoke")
@login_required
def revoke(fullmakt_id: int):
    if not _herself():
        return _page(status=403)
    try:
        revoke_fullmakt(fullmakt_id=fullmakt_id, actor=g.actor)
    except PeopleNotFound:
        raise NotFound() from None
    flash(_("The fullmakt is revoked. It ended at once."), "success")
    return redirect(url_for("records_proxies.proxies_page"), code=303)


@blueprint.post("/records/proxies/parents")
@login_required
def parents():
    if not _herself():
        return _page(status=403)
    child, today = current_citizen(), today_in_norway()
    area, action = request.form.get("area", ""), request.form.get("action", "")
    if area not in {a.value for a in rules.TEEN_GUARDIAN_AREAS} or action not in (
            "withhold", "release"):
        return _page(status=422, errors={"parents": _("Choose what your parents may see.")})

    def refused():
        return _page(status=409, errors={"parents": _(
            "Only young people aged 12 to 15 can keep things from their parents.")})

    # Releasing has no age limit in the service (from 16 it is moot); the page offers
    # both only at the ages the choice means something.
    if not rules.may_withhold_from_guardians(child=child, today=today):
        return refused()
    try:
        if action == "withhold":
            withhold_from_guardians(child=child, area=Area(area), actor=g.actor, today=today)
        else:
            release_to_guardians(child=child, area=Area(area), actor=g.actor)
    except PeopleError:
        return refused()
    flash(_("Your parents can no longer see %(area)s.", area=area_name(area))
          if action == "withhold" else
          _("Your parents can see %(area)s again.", area=area_name(area)), "success")
    return redirect(url_for("records_proxies.proxies_page"), code=303)


# -- the page behind them --------------------------------------------------------------

def _herself() -> bool:
    representation = acting_for()
    return representation is not None and representation.basis is Basis.SELF


def _page(*, entered=None, errors=None, status=200):
    person, today = current_citizen(), today_in_norway()
    herself = _herself()
    found = (proxies.proxies_of(person=person, today=today, actor=g.actor)
             if herself else None)
    return render_template(
        TEMPLATE, herself=herself, found=found, today=today,
        values=entered or {"national_id": "", "areas": [], "starts_on": "", "ends_on": ""},
        errors=errors or {}, area_name=area_name, areas_text=area_names,
        areas=list(Area), teen_areas=sorted(rules.TEEN_GUARDIAN_AREAS),
        rules=rules), status


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _refusal(message: str) -> str:
    """The rules' refusals in the reader's language (no other message is shown)."""
    return {
        proxies.NO_SUCH_RECIPIENT: _("A fullmakt cannot be given to this person here."),
        "a fullmakt is not possible for this person": _(
            "A fullmakt cannot be given to this person here."),
        "a fullmakt must be given to someone else": _("You cannot give a fullmakt to "
                                                      "yourself."),
        f"the giver must be at least {rules.FULLMAKT_GIVER_MIN_AGE} years old": _(
            "You must be at least %(age)d years old to give a fullmakt.",
            age=rules.FULLMAKT_GIVER_MIN_AGE),
        f"the recipient must be at least {rules.FULLMAKT_RECIPIENT_MIN_AGE} years old": _(
            "The person who receives a fullmakt must be at least %(age)d years old.",
            age=rules.FULLMAKT_RECIPIENT_MIN_AGE),
    }.get(message, _("The fullmakt cannot be given."))
