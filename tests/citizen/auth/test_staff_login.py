"""Staff login: who someone is comes from the token, what they may do from local roles."""

from __future__ import annotations

from datetime import date

import pytest
from flask import g
from stdnum.no import orgnr

from citizen.auth.current import staff_required
from services.people.models import Role
from services.people.service import add_organisation
from services.sessions.models import WebSession
from tests.plugins.db import table_rows
from tests.plugins.factories import make_organisation, make_staff, national_id_for
from tests.plugins.login import citizen_claims, csrf_token, log_in, query_of, session_cookie


@pytest.fixture
def staff_client(login_app, login_client):
    """The login client, with probe pages that need staff (with a role)."""

    @staff_required
    def any_staff():
        return {"kind": g.actor.kind.value, "id": g.actor.id,
                "organisation_id": g.actor.organisation_id}

    @staff_required(role=Role.INFECTION_CONTROL)
    def infection_control():
        return {"ok": True}

    login_app.add_url_rule("/staff/probe", view_func=any_staff)
    login_app.add_url_rule("/staff/probe/infection", view_func=infection_control)
    return login_client


def _organisation(name: str, stem: str):
    number = next(stem + str(d) for d in range(10) if orgnr.is_valid(stem + str(d)))
    return add_organisation(name=name, org_number=number)


def _log_in_staff(client, provider, staff, **claims):
    return log_in(client, provider, citizen_claims(staff.test_national_id, **claims),
                  start="/staff/auth/login")


def test_unknown_staff_get_403_and_no_session(staff_client, oidc_provider):
    answer = log_in(staff_client, oidc_provider,
                    citizen_claims(national_id_for(date(1975, 5, 5))),
                    start="/staff/auth/login")
    assert answer.status_code == 403
    assert session_cookie(staff_client) is None
    assert table_rows(WebSession) == []


def test_staff_with_one_organisation_are_logged_in_there(staff_client, oidc_provider):
    org = make_organisation()
    staff = make_staff(org, Role.INFECTION_CONTROL)
    answer = _log_in_staff(staff_client, oidc_provider, staff)
    assert answer.status_code == 302
    probe = staff_client.get("/staff/probe")
    assert probe.json == {"kind": "staff", "id": str(staff.id), "organisation_id": org.id}
    assert staff_client.get("/staff/probe/infection").status_code == 200
    # A staff session is not a citizen session.
    assert staff_client.get("/api/v1/me").status_code == 401


def test_a_role_the_staff_member_lacks_is_403(staff_client, oidc_provider):
    staff = make_staff(make_organisation(), Role.ULTRASOUND_CLINIC)
    _log_in_staff(staff_client, oidc_provider, staff)
    assert staff_client.get("/staff/probe").status_code == 200
    assert staff_client.get("/staff/probe/infection").status_code == 403


def test_roles_in_the_token_grant_nothing(staff_client, oidc_provider):
    staff = make_staff(make_organisation(), Role.ULTRASOUND_CLINIC)
    _log_in_staff(staff_client, oidc_provider, staff, roles=["infection_control"],
                  role="admin")
    assert staff_client.get("/staff/probe/infection").status_code == 403


def test_staff_in_several_organisations_choose_one(staff_client, oidc_provider):
    first = make_organisation()
    second = _organisation("Helse Nord-Trøndelag HF", "99887766")
    staff = make_staff(first, Role.INFECTION_CONTROL)
    staff = make_staff_in(staff, second, Role.ULTRASOUND_CLINIC)

    answer = _log_in_staff(staff_client, oidc_provider, staff)
    assert answer.headers["Location"].startswith("/staff/auth/organisation")
    assert staff_client.get("/staff/probe").headers["Location"].startswith(
        "/staff/auth/organisation")

    page = staff_client.get("/staff/auth/organisation").get_data(as_text=True)
    assert first.name in page and second.name in page
    assert "<script" not in page
    chosen = staff_client.post("/staff/auth/organisation",
                               data={"organisation_id": second.id,
                                     "csrf_token": csrf_token(page)})
    assert chosen.status_code == 303
    assert staff_client.get("/staff/probe").json["organisation_id"] == second.id
    assert staff_client.get("/staff/probe/infection").status_code == 403  # not in this org

    other = _organisation("Elsewhere", "91122334")
    refused = staff_client.post("/staff/auth/organisation",
                                data={"organisation_id": other.id,
                                      "csrf_token": csrf_token(page)})
    assert refused.status_code == 404


def make_staff_in(staff, organisation, *roles):
    from services.people.identity import parse_national_id
    from services.people.service import add_staff

    number = staff.test_national_id
    staff = add_staff(national_id=parse_national_id(number), name=staff.name,
                      hpr_number=staff.hpr_number, organisation=organisation, roles=roles)
    staff.test_national_id = number
    return staff


def test_inactive_staff_are_refused(staff_client, oidc_provider, db):
    staff = make_staff(make_organisation(), Role.ADMIN)
    staff.is_active = False
    db.session.flush()
    assert _log_in_staff(staff_client, oidc_provider, staff).status_code == 403


def test_an_hpr_number_that_contradicts_ours_is_refused(staff_client, oidc_provider):
    staff = make_staff(make_organisation(), Role.ADMIN, hpr_number="1234567")
    answer = _log_in_staff(staff_client, oidc_provider, staff,
                           **{"helseid://claims/hpr/hpr_number": "7654321"})
    assert answer.status_code == 403
    assert table_rows(WebSession) == []


def test_staff_logout_goes_to_the_staff_provider(staff_client, oidc_provider):
    staff = make_staff(make_organisation(), Role.ADMIN)
    _log_in_staff(staff_client, oidc_provider, staff)
    page = staff_client.get("/staff/auth/organisation").get_data(as_text=True)
    out = staff_client.post("/staff/auth/logout", data={"csrf_token": csrf_token(page)})
    assert out.headers["Location"].startswith(f"{oidc_provider.url}/oauth2/end_session")
    assert query_of(out.headers["Location"])["id_token_hint"]
    assert staff_client.get("/staff/probe").status_code == 302  # back to login
