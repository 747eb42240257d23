"""Choosing whom to act for: only people the citizen may represent today, recorded in the audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.actors import Actor
from services.audit.models import AuditEvent, SecurityEvent
from services.clock import today_in_norway
from services.people.models import Area
from services.people.service import grant_fullmakt, national_id_of, record_guardianship
from services.people.service import revoke_fullmakt as revoke
from tests.plugins.db import table_rows
from tests.plugins.factories import make_person
from tests.plugins.login import citizen_claims, csrf_token, log_in


@pytest.fixture
def family(login_client, oidc_provider):
    """A parent (logged in), their 8-year-old, and a stranger."""
    parent = make_person(date(1985, 6, 15), given_name="Kari")
    child = make_person(today_in_norway().replace(year=today_in_norway().year - 8,
                                                  day=1) - timedelta(days=40),
                        given_name="Emil")
    stranger = make_person(date(1970, 2, 2), given_name="Ukjent")
    record_guardianship(guardian=parent, child=child, shares_address=True,
                        actor=Actor.operator("test"))
    log_in(login_client, oidc_provider, citizen_claims(national_id_of(parent)))
    return parent, child, stranger


def _token(client) -> str:
    return csrf_token(client.get("/acting-for").get_data(as_text=True))


def test_the_page_lists_whom_the_citizen_may_act_for(login_client, family):
    parent, child, stranger = family
    page = login_client.get("/acting-for")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="nb">' in html
    assert "<h1>" in html and "<legend>" in html
    assert f'<label for="person-{child.id}">{child.name}</label>' in html
    assert f'<label for="person-{parent.id}">' in html
    assert stranger.name not in html
    assert "<script" not in html
    assert "Foreldreansvar" in html  # basis, in Norwegian


def test_choosing_a_child_makes_them_the_subject_of_every_action(login_client, family):
    parent, child, _stranger = family
    answer = login_client.post("/acting-for", data={"person_id": child.id,
                                                    "csrf_token": _token(login_client)})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/min-side"  # Min side, with a confirmation

    me = login_client.get("/api/v1/me").json
    assert me["id"] == parent.id
    assert me["acting_for"]["id"] == child.id
    assert me["acting_for"]["basis"] == "guardian"
    assert {p["id"] for p in me["may_act_for"]} == {parent.id, child.id}

    [switch] = [e for e in table_rows(AuditEvent) if e.action == "act-for"]
    assert switch.actor_id == str(parent.id)
    assert switch.on_behalf_of_person_id == child.id
    assert switch.subject_person_id == child.id

    back = login_client.post("/acting-for", data={"person_id": parent.id,
                                                  "csrf_token": _token(login_client)})
    assert back.status_code == 303
    assert login_client.get("/api/v1/me").json["acting_for"]["id"] == parent.id


def test_acting_for_someone_not_represented_is_404(login_client, family):
    _parent, _child, stranger = family
    answer = login_client.post("/acting-for", data={"person_id": stranger.id,
                                                    "csrf_token": _token(login_client)})
    assert answer.status_code == 404
    assert login_client.post("/acting-for", data={"person_id": "999999",
                                                  "csrf_token": _token(login_client)}
                             ).status_code == 404
    assert login_client.post("/acting-for", data={"person_id": "x",
                                                  "csrf_token": _token(login_client)}
                             ).status_code == 400


def test_reaching_for_someone_not_represented_is_in_the_security_log(login_client, family):
    parent, _child, stranger = family
    answer = login_client.post("/acting-for", data={"person_id": stranger.id,
                                                    "csrf_token": _token(login_client)})
    assert answer.status_code == 404
    [event] = table_rows(SecurityEvent)
    assert (event.kind, event.actor_kind, event.actor_id, event.target) == (
        "not_represented", "person", str(parent.id), f"Person/{stranger.id}")
    assert national_id_of(stranger) not in repr(vars(event))
    assert [e for e in table_rows(AuditEvent) if e.action == "act-for"] == []


def test_acting_for_needs_a_csrf_token(login_client, family):
    _parent, child, _stranger = family
    assert login_client.post("/acting-for", data={"person_id": child.id}).status_code == 400
    assert login_client.get("/api/v1/me").json["acting_for"]["basis"] == "self"


def test_a_revoked_fullmakt_ends_acting_for_the_giver_at_once(login_client, oidc_provider):
    giver = make_person(date(1940, 5, 5), given_name="Arne")
    recipient = make_person(date(1969, 9, 9), given_name="Hilde")
    today = today_in_norway()
    fullmakt = grant_fullmakt(giver=giver, recipient=recipient, areas=[Area.APPOINTMENTS],
                              starts_on=today, ends_on=today + timedelta(days=30),
                              actor=Actor.person(giver.id))
    log_in(login_client, oidc_provider, citizen_claims(national_id_of(recipient)))
    login_client.post("/acting-for", data={"person_id": giver.id,
                                           "csrf_token": _token(login_client)})
    assert login_client.get("/api/v1/me").json["acting_for"] == {
        "id": giver.id, "name": giver.name, "basis": "fullmakt", "areas": ["appointments"]}

    revoke(fullmakt_id=fullmakt.id, actor=Actor.person(giver.id))
    assert login_client.get("/api/v1/me").json["acting_for"]["id"] == recipient.id
