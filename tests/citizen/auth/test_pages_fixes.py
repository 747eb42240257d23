"""What a new user tripped over: blank names, undescribed demo people, optional fields that
were not, staff sent to the citizen login, ID-porten's acr for staff, the demo report."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from citizen.auth.devidp.views import MAX_CHOICES
from citizen.config import flask_config, load_settings
from services.db import db
from services.demo import seed_demo_data
from services.people.demo import demo_citizen_names
from services.people.models import Person, Role
from tests.citizen.auth.test_devidp import _authorize_params, _code_for, _pkce, _redeem
from tests.citizen.pages import sign_in_citizen, text
from tests.plugins.factories import make_organisation, make_person, make_staff, national_id_for
from tests.plugins.login import citizen_claims, csrf_token, log_in, query_of

STAFF_CLIENT = ("minhelse-staff-dev", "dev-idp-staff-secret")
INVALID_NUMBER = "Det er ikke et gyldig fødselsnummer eller D-nummer."


def _nameless(birth=date(1990, 4, 12)) -> Person:
    person = make_person(birth)
    person.given_name = person.family_name = ""
    db.session.commit()
    return person


def test_a_citizen_without_a_name_gets_a_neutral_label_everywhere(client):
    sign_in_citizen(client, _nameless())
    home = text(client.get("/min-side"))
    assert "Logget inn som Navn ikke registrert (født 12. april 1990)" in home
    page = text(client.get("/acting-for"))
    assert "Navn ikke registrert (født 12. april 1990)" in page
    # every radio keeps a label with words in it
    for for_id in re.findall(r'<input type="radio" id="([^"]+)"', page):
        label = re.search(rf'<label for="{for_id}">([^<]*)</label>', page)
        assert label and label.group(1).strip()


def test_an_id_porten_login_with_only_a_number_lands_home_with_the_label(login_client,
                                                                           oidc_provider):
    done = log_in(login_client, oidc_provider, citizen_claims(national_id_for(date(1980, 1, 1))))
    assert done.headers["Location"] == "/min-side"
    assert "Navn ikke registrert (født 1. januar 1980)" in text(login_client.get("/min-side"))


def test_a_parent_is_asked_whom_to_act_for_first(login_client, oidc_provider):
    from services.actors import Actor
    from services.people.service import national_id_of, record_guardianship

    parent, child = make_person(date(1980, 1, 1)), make_person(date(2020, 1, 1))
    record_guardianship(guardian=parent, child=child, shares_address=True,
                        actor=Actor.operator("test"))
    db.session.commit()
    done = log_in(login_client, oidc_provider, citizen_claims(national_id_of(parent)))
    assert done.headers["Location"] == "/acting-for"


@pytest.fixture
def idp_client(make_app, db):
    return make_app(PUBLIC_BASE_URL="http://minhelse.test").test_client()


@pytest.mark.parametrize(("lang", "described"), [
    ("nb", ["Gravid, uke 12", "Operert for 30 dager siden",
            "Forelder til to barn på 8 og 14 år", "Barn, 8 år", "86 år; datteren har fullmakt"]),
    ("nn", ["Gravid, veke 12", "Operert for 30 dagar sidan"]),
    ("en", ["Pregnant, week 12", "Had an operation 30 days ago", "Child, 14 years old"]),
])
def test_the_dev_provider_says_who_each_demo_person_is(idp_client, lang, described):
    seed_demo_data()
    db.session.commit()
    _verifier, challenge = _pkce()
    page = text(idp_client.get("/dev-idp/authorize?"
                               + urlencode(_authorize_params(challenge, ui_locales="nb"))
                               + f"&lang={lang}"))
    for words in described:
        assert words in page
    assert 'aria-describedby="subject-1-about"' in page


def test_the_dev_provider_lists_the_named_demo_people_first_among_hundreds(idp_client):
    seed_demo_data()  # the named people and some 270 generated surveillance patients
    db.session.commit()
    assert db.session.query(Person).count() > MAX_CHOICES
    _verifier, challenge = _pkce()
    page = idp_client.get("/dev-idp/authorize?" + urlencode(_authorize_params(challenge)))
    labels = re.findall(r'<label for="subject-\d+">([^<]*)</label>', page.get_data(as_text=True))
    assert len(labels) == MAX_CHOICES
    named = {f"{given} {family}" for given, family in demo_citizen_names()}
    assert len(named) == 8
    assert {label.strip() for label in labels[:len(named)]} == named


def test_the_dev_provider_describes_demo_staff(idp_client):
    seed_demo_data()
    db.session.commit()
    _verifier, challenge = _pkce()
    page = text(idp_client.get("/dev-idp/authorize?" + urlencode(_authorize_params(
        challenge, client_id=STAFF_CLIENT[0], callback="/staff/auth/callback"))))
    assert "Siri Smittevern" in page and "Smittevernsykepleier" in page


@pytest.mark.parametrize(("form", "expected"), [
    ({"given_name": "Ola"}, {"given_name": "Ola", "name": "Ola"}),
    ({"family_name": "Hansen"}, {"family_name": "Hansen", "name": "Hansen"}),
    ({"given_name": "Ola", "family_name": "Hansen"},
     {"given_name": "Ola", "family_name": "Hansen", "name": "Ola Hansen"}),
    ({}, {}),
])
def test_each_optional_name_is_used_on_its_own(idp_client, form, expected):
    number = national_id_for(date(1970, 7, 7))
    code, verifier = _code_for(idp_client, {"national_id": number, **form})
    claims = jwt.decode(_redeem(idp_client, code, verifier).json["id_token"],
                        KeySet.import_key_set(idp_client.get("/dev-idp/jwks").json)).claims
    names = {k: v for k, v in claims.items() if k in ("given_name", "family_name", "name")}
    assert names == expected


def _links(page: str) -> dict[str, dict]:
    found = re.findall(r'<a href="([^"]+)" lang="(\w\w)" hreflang', page)
    return {code: parse_qs(urlsplit(href.replace("&amp;", "&")).query) for href, code in found}


def test_language_links_on_the_dev_login_keep_the_login_request(idp_client):
    _verifier, challenge = _pkce()
    params = _authorize_params(challenge)
    page = text(idp_client.get("/dev-idp/authorize?" + urlencode(params)))
    for code, query in _links(page).items():
        assert query.pop("lang") == [code]
        assert {k: v[0] for k, v in query.items()} == params

    # After a form error (a POST), the links still lead back to the same login.
    answer = idp_client.post("/dev-idp/authorize", data={
        **params, "national_id": "123", "csrf_token": csrf_token(page)})
    assert answer.status_code == 400
    for code, query in _links(text(answer)).items():
        assert query.pop("lang") == [code]
        assert {k: v[0] for k, v in query.items()} == params


def test_a_form_error_is_summarised_at_the_top_and_linked_to_the_field(idp_client):
    _verifier, challenge = _pkce()
    params = _authorize_params(challenge)
    page = text(idp_client.get("/dev-idp/authorize?" + urlencode(params)))
    answer = text(idp_client.post("/dev-idp/authorize", data={
        **params, "national_id": "123", "csrf_token": csrf_token(page)}))
    summary = answer.index('class="error-summary" role="alert"')
    assert summary < answer.index('<input id="national_id"')
    assert f'<a href="#national_id">{INVALID_NUMBER}</a>' in answer
    assert 'aria-describedby="national_id-error" aria-invalid="true"' in answer


def test_staff_log_in_again_at_the_staff_login(client):
    page = text(client.get("/staff/auth/logged-out"))
    assert 'href="/staff/auth/login"' in page and 'href="/auth/login"' not in page
    assert 'href="/auth/login"' in text(client.get("/auth/logged-out"))


def test_staff_logout_returns_to_the_staff_logged_out_page(login_client, oidc_provider):
    staff = make_staff(make_organisation(), Role.ADMIN)
    log_in(login_client, oidc_provider, citizen_claims(staff.test_national_id),
           start="/staff/auth/login")
    page = text(login_client.get("/staff"))
    out = login_client.post("/staff/auth/logout", data={"csrf_token": csrf_token(page)})
    back = query_of(out.headers["Location"])["post_logout_redirect_uri"]
    assert back == "http://minhelse.test/staff/auth/logged-out"


def test_staff_ask_for_a_helseid_style_acr_by_default(monkeypatch):
    monkeypatch.delenv("STAFF_OIDC_ACR", raising=False)
    config = flask_config(load_settings())
    assert config["STAFF_OIDC"]["acr"] == "Level4"
    assert config["CITIZEN_OIDC"]["acr"] == "idporten-loa-high"
    monkeypatch.setenv("STAFF_OIDC_ACR", "urn:example:high")
    assert flask_config(load_settings())["STAFF_OIDC"]["acr"] == "urn:example:high"


def test_the_dev_provider_grants_the_level_the_client_asked_for(idp_client):
    staff = make_staff(make_organisation(), Role.ADMIN)
    code, verifier = _code_for(idp_client, {"national_id": staff.test_national_id},
                               client_id=STAFF_CLIENT[0], callback="/staff/auth/callback",
                               acr_values="Level4")
    answer = _redeem(idp_client, code, verifier, auth=STAFF_CLIENT,
                     callback="/staff/auth/callback")
    claims = jwt.decode(answer.json["id_token"],
                        KeySet.import_key_set(idp_client.get("/dev-idp/jwks").json)).claims
    assert claims["acr"] == "Level4"


def test_demo_seed_reports_each_kind_it_created(cli):
    first = cli.invoke(args=["demo", "seed"]).output.splitlines()
    assert first == ["citizens: 8 created", "guardianships: 2 created", "fullmakter: 1 created",
                     "organisations: 1 created", "staff members: 4 created",
                     "notification settings: 3 created", "notifications: 4 created",
                     "due dates: 1 created", "ultrasound schedules: 2 created",
                     "ultrasound slots: 8 created", "ultrasound appointments: 2 created",
                     "record documents: 11 created", "access-log entries: 3 created",
                     "access questions: 2 created", "wound operations: 4 created",
                     "wound answers: 2 created", "surveillance patients: 273 created",
                     "surveillance operations: 273 created",
                     "surveillance answers: 206 created",
                     "surveillance notes and calls: 112 created",
                     "surveillance classifications: 192 created",
                     "demo data ready"]
    second = cli.invoke(args=["demo", "seed"]).output.splitlines()
    assert second[:-1] == [line.split(":")[0] + ": 0 created" for line in first[:-1]]
