"""Errors that help: each says what happened and what to do, in the reader's language."""

import runpy
from datetime import timedelta
from pathlib import Path

import pytest

from citizen.site.limits import MAX_HEADERS, MAX_URL
from services.people.models import Role
from tests.citizen.pages import csrf, sign_in_citizen, sign_in_staff, text
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.plugins.login import citizen_claims, log_in


def test_an_expired_form_says_so_and_that_nothing_was_saved(client):
    answer = client.post("/acting-for", data={"person_id": "1", "csrf_token": "stale"})
    page = text(answer)
    assert answer.status_code == 400
    assert "<h1>Skjemaet er utløpt</h1>" in page
    assert "Ingenting ble lagret." in page


def test_too_many_attempts_says_when_to_try_again(make_app, db):
    client = make_app().test_client()
    for _ in range(20):  # a callback no login started: refused, and counted
        assert client.get("/auth/callback").status_code == 400
    answer = client.get("/auth/callback?lang=en")
    page = text(answer)
    assert answer.status_code == 429
    assert "<h1>Too many attempts</h1>" in page
    assert "Wait 1 minute and try again." in page
    assert answer.headers["Retry-After"]


@pytest.mark.parametrize(("kind", "login"), [("citizen", "/auth/login"),
                                             ("staff", "/staff/auth/login")])
def test_a_session_that_timed_out_says_why_and_leads_back(client, frozen_clock, kind, login):
    if kind == "citizen":
        sign_in_citizen(client, make_person())
        page_path = "/min-side"
    else:
        trust = make_organisation()
        sign_in_staff(client, make_staff(trust, Role.INFECTION_CONTROL), trust)
        page_path = "/staff"
    frozen_clock.shift(timedelta(minutes=30))
    answer = client.get(page_path)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/auth/timed-out?next=")
    page = text(client.get(answer.headers["Location"]))
    assert "Du ble logget ut etter 30 minutter uten aktivitet." in page
    assert f'href="{login}?next={page_path}"' in page


def test_a_session_one_minute_short_of_the_limit_is_still_live(client, frozen_clock):
    sign_in_citizen(client, make_person())
    frozen_clock.shift(timedelta(minutes=29, seconds=59))
    assert client.get("/min-side").status_code == 200


def test_after_logout_a_page_asks_for_login_not_says_timed_out(client, frozen_clock):
    from tests.plugins.login import session_cookie, set_session_cookie

    sign_in_citizen(client, make_person())
    token = session_cookie(client)
    client.post("/auth/logout", data={"csrf_token": csrf(text(client.get("/min-side")))})
    set_session_cookie(client, token)  # an old tab still holding the cookie
    frozen_clock.shift(timedelta(hours=1))
    assert client.get("/min-side").headers["Location"].startswith("/auth/login?")


def test_an_over_long_address_gets_our_page(client):
    answer = client.get("/contact?q=" + "x" * 4000)
    assert answer.status_code == 414
    assert "<h1>Adressen er for lang</h1>" in text(answer)


def test_an_address_at_the_limit_is_served(client):
    path = "/contact?q="
    assert client.get(path + "x" * (MAX_URL - len(path))).status_code == 200


def test_over_long_headers_get_our_page(client):
    answer = client.get("/contact", headers={"X-Padding": "x" * 13000})
    assert answer.status_code == 431
    assert "<h1>Nettleseren sendte for mye data</h1>" in text(answer)


def test_the_api_still_gets_problem_json_for_a_long_address(client):
    answer = client.get("/api/v1/me?q=" + "x" * 4000)
    assert answer.status_code == 414 and answer.mimetype == "application/problem+json"


def test_gunicorn_lets_our_limits_answer_first():
    settings = runpy.run_path(str(Path(__file__).parents[2] / "docker" / "gunicorn.conf.py"))
    assert settings["limit_request_line"] > MAX_URL + len("GET  HTTP/1.1\r\n")
    assert settings["limit_request_field_size"] > MAX_HEADERS


def test_cancelling_at_the_identity_provider_is_not_a_failure(login_client):
    login_client.get("/auth/login")
    answer = login_client.get("/auth/callback?error=access_denied&state=whatever")
    page = text(answer)
    assert answer.status_code == 400
    assert "<h1>Du avbrøt innloggingen</h1>" in page
    assert "mislyktes" not in page
    assert 'href="/auth/login"' in page


def test_a_refused_login_still_says_it_failed(login_client, oidc_provider):
    answer = log_in(login_client, oidc_provider, citizen_claims("12345678901"))
    assert "<h1>Innloggingen mislyktes</h1>" in text(answer)
