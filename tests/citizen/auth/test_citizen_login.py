"""Citizen login through a real OpenID provider: PKCE, acr, pid, sessions, logout, /api/v1/me."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.audit.models import AuditEvent
from services.people.models import Person
from services.people.service import national_id_of
from services.sessions.models import WebSession
from tests.plugins.db import table_rows
from tests.plugins.factories import make_person, national_id_for
from tests.plugins.login import (
    citizen_claims,
    csrf_token,
    local,
    log_in,
    query_of,
    session_cookie,
    set_session_cookie,
)


def test_login_registers_a_new_citizen_and_me_describes_them(login_client, oidc_provider):
    number = national_id_for(date(1990, 4, 12))
    begin = login_client.get("/auth/login")
    assert begin.status_code == 302
    asked = query_of(begin.headers["Location"])
    assert begin.headers["Location"].startswith(oidc_provider.url)
    assert asked["acr_values"] == "idporten-loa-high"
    assert asked["code_challenge_method"] == "S256"
    assert asked["code_challenge"] and asked["state"] and asked["nonce"]
    assert asked["scope"] == "openid profile"

    back = oidc_provider.approve(begin.headers["Location"], citizen_claims(
        number, given_name="Ingrid", family_name="Berg"))
    done = login_client.get(local(back))
    assert done.status_code == 302
    assert done.headers["Location"] == "/min-side"  # nobody else to act for: straight home
    [set_cookie] = [c for c in done.headers.getlist("Set-Cookie")
                    if c.startswith("minhelse_session=")]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie

    me = login_client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json["name"] == "Ingrid Berg"
    assert me.json["birth_date"] == "1990-04-12"
    assert me.json["acting_for"] == {"id": me.json["id"], "name": "Ingrid Berg", "basis": "self",
                                     "areas": ["appointments", "questionnaires", "records"]}
    assert [p["id"] for p in me.json["may_act_for"]] == [me.json["id"]]
    assert number not in me.get_data(as_text=True)

    [web_session] = table_rows(WebSession)
    assert web_session.kind == "citizen" and web_session.acr == "idporten-loa-high"
    assert web_session.token_hash != session_cookie(login_client)
    assert not web_session.id_token_encrypted.startswith(b"eyJ")  # encrypted, not a JWT
    actions = [(e.action, e.actor_kind) for e in table_rows(AuditEvent)]
    assert ("create", "system") in actions and ("login", "person") in actions


def test_a_known_citizen_keeps_their_registered_names(login_client, oidc_provider):
    person = make_person(given_name="Kari", family_name="Nordmann")
    log_in(login_client, oidc_provider,
           citizen_claims(national_id_of(person), name="Someone Else"))
    me = login_client.get("/api/v1/me")
    assert me.json["id"] == person.id
    assert me.json["name"] == "Kari Nordmann"
    assert len(table_rows(Person)) == 1


@pytest.mark.parametrize("acr", ["idporten-loa-substantial", None])
def test_a_login_below_the_required_level_is_refused_and_stores_nothing(
    login_client, oidc_provider, acr
):
    number = national_id_for(date(1980, 1, 1))
    done = log_in(login_client, oidc_provider, citizen_claims(number, acr=acr,
                                                              name="Ola Nordmann"))
    assert done.status_code == 403
    assert "BankID" in done.get_data(as_text=True)
    assert session_cookie(login_client) is None
    assert table_rows(WebSession) == []
    assert table_rows(Person) == []


def test_an_invalid_pid_is_refused(login_client, oidc_provider):
    done = log_in(login_client, oidc_provider, citizen_claims("12345678901"))
    assert done.status_code == 400
    assert session_cookie(login_client) is None
    assert table_rows(Person) == []


def test_a_callback_with_a_foreign_state_is_refused(login_client, oidc_provider):
    begin = login_client.get("/auth/login")
    back = oidc_provider.approve(begin.headers["Location"], citizen_claims(
        national_id_for(date(1980, 1, 1))))
    forged = local(back).replace(f"state={query_of(back)['state']}", "state=forged")
    answer = login_client.get(forged)
    assert answer.status_code == 400
    assert session_cookie(login_client) is None

    assert login_client.get("/auth/callback?code=abc&state=xyz").status_code == 400
    assert table_rows(WebSession) == []


def test_a_cancelled_login_is_a_clear_400(login_client):
    login_client.get("/auth/login")
    answer = login_client.get("/auth/callback?error=access_denied&state=whatever")
    assert answer.status_code == 400


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)", "evil"])
def test_next_must_be_a_local_path(login_client, oidc_provider, target):
    done = log_in(login_client, oidc_provider,
                  citizen_claims(national_id_for(date(1980, 1, 1))), next=target)
    assert done.status_code == 302
    assert done.headers["Location"] == "/min-side"


def test_next_brings_the_citizen_back_to_where_they_were(login_client, oidc_provider):
    done = log_in(login_client, oidc_provider,
                  citizen_claims(national_id_for(date(1980, 1, 1))), next="/records?page=2")
    assert done.headers["Location"] == "/records?page=2"


def test_me_without_login_is_401_problem(login_client):
    answer = login_client.get("/api/v1/me")
    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"


def test_pages_send_a_logged_out_visitor_to_login(login_client):
    answer = login_client.get("/acting-for")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/auth/login?next=/acting-for"


def test_the_session_ends_after_30_idle_minutes(login_client, oidc_provider, frozen_clock):
    log_in(login_client, oidc_provider, citizen_claims(national_id_for(date(1980, 1, 1))))
    frozen_clock.shift(timedelta(minutes=29))
    assert login_client.get("/api/v1/me").status_code == 200  # activity: the clock restarts
    frozen_clock.shift(timedelta(minutes=29))
    assert login_client.get("/api/v1/me").status_code == 200
    frozen_clock.shift(timedelta(minutes=31))
    expired = login_client.get("/api/v1/me")
    assert expired.status_code == 401
    assert expired.mimetype == "application/problem+json"
    assert session_cookie(login_client) is None  # the dead cookie is removed


def test_the_session_ends_12_hours_after_login_however_active(
    login_client, oidc_provider, frozen_clock
):
    log_in(login_client, oidc_provider, citizen_claims(national_id_for(date(1980, 1, 1))))
    for _ in range(28):  # 11 h 40 min of steady use
        frozen_clock.shift(timedelta(minutes=25))
        assert login_client.get("/api/v1/me").status_code == 200
    frozen_clock.shift(timedelta(minutes=25))
    assert login_client.get("/api/v1/me").status_code == 401


def test_logout_ends_the_session_and_goes_to_the_providers_end_session(
    login_client, oidc_provider
):
    log_in(login_client, oidc_provider, citizen_claims(national_id_for(date(1980, 1, 1))))
    old_token = session_cookie(login_client)
    page = login_client.get("/acting-for").get_data(as_text=True)
    out = login_client.post("/auth/logout", data={"csrf_token": csrf_token(page)})
    assert out.status_code == 302
    target = out.headers["Location"]
    assert target.startswith(f"{oidc_provider.url}/oauth2/end_session?")
    params = query_of(target)
    assert params["id_token_hint"].count(".") == 2
    assert params["post_logout_redirect_uri"].endswith("/auth/logged-out")
    [web_session] = table_rows(WebSession)
    assert web_session.ended_at is not None

    set_session_cookie(login_client, old_token)
    assert login_client.get("/api/v1/me").status_code == 401
    assert login_client.get("/auth/logged-out").status_code == 200


def test_login_always_issues_a_fresh_token(login_client, oidc_provider):
    set_session_cookie(login_client, "planted-by-an-attacker")
    log_in(login_client, oidc_provider, citizen_claims(national_id_for(date(1980, 1, 1))))
    first = session_cookie(login_client)
    assert first not in (None, "planted-by-an-attacker")

    log_in(login_client, oidc_provider, citizen_claims(national_id_for(date(1980, 1, 1))))
    second = session_cookie(login_client)
    assert second != first
    sessions = table_rows(WebSession)
    assert len(sessions) == 2
    assert sessions[0].ended_at is not None and sessions[1].ended_at is None


def test_logout_without_csrf_token_is_refused(login_client, oidc_provider):
    log_in(login_client, oidc_provider, citizen_claims(national_id_for(date(1980, 1, 1))))
    assert login_client.post("/auth/logout").status_code == 400
    assert login_client.get("/api/v1/me").status_code == 200


def test_login_is_rate_limited(login_client):
    answers = [login_client.get("/auth/login").status_code for _ in range(21)]
    assert answers[:20] == [302] * 20
    assert answers[20] == 429


def test_logged_in_pages_let_the_logout_redirect_reach_the_provider(
    login_client, oidc_provider
):
    log_in(login_client, oidc_provider, citizen_claims(national_id_for(date(1980, 1, 1))))
    page = login_client.get("/acting-for")
    assert f"form-action 'self' {oidc_provider.url}" in page.headers["Content-Security-Policy"]


def test_outside_development_the_cookie_is_secure_and_host_only(make_app, oidc_provider, db):
    client = make_app(SESSION_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https",
                      **oidc_provider.config()).test_client()
    done = log_in(client, oidc_provider, citizen_claims(national_id_for(date(1980, 1, 1))))
    [set_cookie] = [c for c in done.headers.getlist("Set-Cookie")
                    if c.startswith("__Host-minhelse_session=")]
    assert "Secure" in set_cookie and "HttpOnly" in set_cookie and "Path=/" in set_cookie
    assert "Domain" not in set_cookie
