"""``/api/v1/blocks``, ``/api/v1/proxies``, ``/api/v1/consent-history``: every answer checked
against the OpenAPI document (``api_client``); another citizen's ids 404; bad bodies 4xx."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.actors import Actor
from services.clock import today_in_norway
from services.db import db
from services.people.models import AddressProtection, Area, Fullmakt, Role
from services.people.service import grant_fullmakt, national_id_of, record_guardianship
from services.records import blocks
from services.records.models import Block
from tests.plugins.api import log_in_as
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.records.factories import make_document


def delete(client, path: str):
    """A DELETE as a browser's script sends it: a change comes with a JSON body (CSRF)."""
    return client.delete(path, json={})


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def kari(hospital, api_client):
    person = make_person(date(1980, 5, 5), given_name="Kari", family_name="Berg")
    log_in_as(api_client, person)
    return person


def test_blocks_set_listed_and_lifted(api_client, kari, hospital):
    document = make_document(kari, hospital, title="Epikrise")
    staff = make_staff(hospital, Role.ADMIN, name="Lege Lund")
    assert api_client.get("/api/v1/blocks").get_json() == {"items": [], "next": None}
    made = {}
    for body in ({"everything": True}, {"document_id": document.id},
                 {"organisation_id": hospital.id}, {"staff_id": staff.id}):
        answer = api_client.post("/api/v1/blocks", json=body)
        assert answer.status_code == 201, answer.get_json()
        made[next(iter(body))] = answer.get_json()
    assert made["document_id"]["summary"] == (
        "Dokumentet «Epikrise» holdes unna andre sykehus og tjenester")
    assert made["staff_id"]["kind"] == "staff" and made["staff_id"]["staff_id"] == staff.id
    again = api_client.post("/api/v1/blocks", json={"everything": True})
    assert again.status_code == 200 and again.get_json()["id"] == made["everything"]["id"]
    listed = api_client.get("/api/v1/blocks").get_json()["items"]
    assert len(listed) == 4 and all(item["active"] for item in listed)
    lifted = delete(api_client, f"/api/v1/blocks/{made['everything']['id']}")
    assert lifted.status_code == 200
    assert lifted.get_json()["active"] is False and lifted.get_json()["lifted_at"]
    assert delete(api_client, f"/api/v1/blocks/{made['everything']['id']}").status_code == 200
    assert [i["active"] for i in api_client.get("/api/v1/blocks").get_json()["items"]] == [
        True, True, True, False]


@pytest.mark.parametrize("body, status", [
    ({}, 422),
    ({"everything": False}, 422),
    ({"everything": "yes"}, 422),
    ({"everything": True, "document_id": 1}, 422),
    ({"document_id": "1"}, 422),
    ({"document_id": 0}, 422),
    ({"document_id": 2**31}, 422),
    ({"document_id": 1.5}, 422),
    ({"kind": "everything"}, 422),
    ({"document_id": 2**31 - 1}, 404),
    ({"organisation_id": 2**31 - 1}, 404),
    ({"staff_id": 2**31 - 1}, 404),
    ([], 422),
])
def test_a_block_body_that_does_not_fit(api_client, kari, body, status):
    answer = api_client.post("/api/v1/blocks", json=body)
    assert answer.status_code == status, answer.get_json()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Block)) == 0


def test_a_delete_takes_an_empty_object_only(api_client, kari):
    block, _ = blocks.add_block(person_id=kari.id, kind="everything", actor=Actor.person(kari.id))
    db.session.commit()
    path = f"/api/v1/blocks/{block.id}"
    assert api_client.delete(path).status_code == 415
    assert api_client.delete(path, json={"why": "x"}).status_code == 422
    assert api_client.delete(path, json=[]).status_code == 422
    assert db.session.get(Block, block.id).lifted_at is None
    assert api_client.delete(path, json={}).status_code == 200


def test_not_json_and_malformed_json(api_client, kari):
    assert api_client.post("/api/v1/blocks", data="everything",
                           content_type="text/plain").status_code == 415
    assert api_client.post("/api/v1/blocks", data="{",
                           content_type="application/json").status_code == 400


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(body=st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                         lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                             st.sampled_from(["everything", "document_id", "organisation_id",
                                              "staff_id", "x"]), inner, max_size=3),
                         max_leaves=6))
def test_any_json_body_is_a_clear_answer_never_a_500(api_client, kari, body):
    answer = api_client.post("/api/v1/blocks", json=body)
    assert answer.status_code in (200, 201, 404, 415, 422), (body, answer.get_json())


def test_another_citizens_block_and_document_are_not_found(api_client, kari, hospital):
    other = make_person(given_name="Ola")
    theirs, _ = blocks.add_block(person_id=other.id, kind="everything",
                                 actor=Actor.person(other.id))
    their_document = make_document(other, hospital)
    db.session.commit()
    assert delete(api_client, f"/api/v1/blocks/{theirs.id}").status_code == 404
    assert api_client.post("/api/v1/blocks",
                           json={"document_id": their_document.id}).status_code == 404
    assert db.session.get(Block, theirs.id).lifted_at is None
    assert delete(api_client, "/api/v1/blocks/2147483647").status_code == 404


def test_a_withheld_document_cannot_be_told_from_none(api_client, kari, hospital):
    withheld = make_document(kari, hospital, withheld=True)
    one = api_client.post("/api/v1/blocks", json={"document_id": withheld.id})
    none = api_client.post("/api/v1/blocks", json={"document_id": withheld.id + 1000})
    assert (one.status_code, one.get_json()["detail"]) == (
        none.status_code, none.get_json()["detail"])


def test_a_parent_of_a_teen_may_not(api_client, db, frozen_clock):
    parent = make_person(date(1980, 1, 1))
    teen = make_person(date(2012, 1, 1))
    record_guardianship(guardian=parent, child=teen, shares_address=True,
                        actor=Actor.system("hospital"))
    db.session.commit()
    log_in_as(api_client, parent, acting_for=teen)
    assert api_client.get("/api/v1/blocks").status_code == 403
    assert api_client.post("/api/v1/blocks", json={"everything": True}).status_code == 403
    assert api_client.get("/api/v1/consent-history").status_code == 403
    assert api_client.get("/api/v1/proxies").status_code == 403


# -- proxies ---------------------------------------------------------------------------

@pytest.fixture
def holder(db):
    return make_person(date(1975, 1, 1), given_name="Hans", family_name="Holder")


def test_give_list_and_revoke_a_fullmakt(api_client, kari, holder):
    body = {"national_id": national_id_of(holder), "areas": ["records", "appointments"],
            "ends_on": "2026-12-31"}
    answer = api_client.post("/api/v1/proxies", json=body)
    assert answer.status_code == 201, answer.get_json()
    made = answer.get_json()
    assert (made["recipient"], made["areas"], made["starts_on"], made["in_force_today"]) == (
        {"id": holder.id, "name": "Hans Holder"}, ["appointments", "records"], "2026-03-02",
        True)
    assert api_client.post("/api/v1/proxies", json=body).status_code == 200  # the same one
    listed = api_client.get("/api/v1/proxies").get_json()
    assert [f["id"] for f in listed["given"]] == [made["id"]]
    assert listed["received"] == [] and listed["parents"] == [] and listed["acts_for"] == []
    assert listed["may_withhold_from_parents"] is False
    revoked = delete(api_client, f"/api/v1/proxies/{made['id']}")
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert api_client.get("/api/v1/proxies").get_json()["given"] == []
    history = api_client.get("/api/v1/consent-history").get_json()["items"]
    assert [item["change"] for item in history] == ["fullmakt-revoked", "fullmakt-granted"]
    assert history[1]["summary"] == (
        "Ga Hans Holder fullmakt for Pasientjournal, Timeavtaler, 2. mars 2026 til "
        "31. desember 2026")
    assert history[1]["actor"] == {"kind": "person", "is_herself": True, "name": None}


def test_the_holder_sees_the_fullmakt_but_cannot_revoke_it(api_client, kari, holder):
    fullmakt = grant_fullmakt(giver=kari, recipient=holder, areas=[Area.RECORDS],
                              starts_on=today_in_norway() + timedelta(days=1),
                              ends_on=today_in_norway() + timedelta(days=9),
                              actor=Actor.person(kari.id))
    db.session.commit()
    log_in_as(api_client, holder)
    listed = api_client.get("/api/v1/proxies").get_json()
    assert [(f["id"], f["in_force_today"]) for f in listed["received"]] == [
        (fullmakt.id, False)]
    assert listed["acts_for"] == []  # it starts tomorrow
    assert delete(api_client, f"/api/v1/proxies/{fullmakt.id}").status_code == 404
    assert db.session.get(Fullmakt, fullmakt.id).revoked_at is None


@pytest.mark.parametrize("body, field", [
    ({"national_id": "12345678901", "areas": ["records"], "ends_on": "2026-12-31"},
     "national_id"),
    ({"national_id": "HOLDER", "areas": [], "ends_on": "2026-12-31"}, "areas"),
    ({"national_id": "HOLDER", "areas": ["nothing"], "ends_on": "2026-12-31"}, "areas"),
    ({"national_id": "HOLDER", "areas": ["records"]}, "ends_on"),
    ({"national_id": "HOLDER", "areas": ["records"], "ends_on": "31.12.2026"}, "ends_on"),
    ({"national_id": "HOLDER", "areas": ["records"], "starts_on": "2026-03-01",
      "ends_on": "2026-12-31"}, "starts_on"),
    ({"national_id": "HOLDER", "areas": ["records"], "starts_on": "2026-05-01",
      "ends_on": "2026-04-30"}, "ends_on"),
    ({"national_id": "PROTECTED", "areas": ["records"], "ends_on": "2026-12-31"},
     "national_id"),
    ({"national_id": "SELF", "areas": ["records"], "ends_on": "2026-12-31"}, "national_id"),
    ({"national_id": "HOLDER", "areas": ["records"], "ends_on": "2026-12-31", "x": 1}, "x"),
])
def test_a_fullmakt_that_cannot_be_given(api_client, kari, holder, body, field):
    protected = make_person(date(1970, 1, 1), address_protection=AddressProtection.CONFIDENTIAL)
    numbers = {"HOLDER": national_id_of(holder), "PROTECTED": national_id_of(protected),
               "SELF": national_id_of(kari)}
    body = {**body, "national_id": numbers.get(body["national_id"], body["national_id"])}
    answer = api_client.post("/api/v1/proxies", json=body)
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Fullmakt)) == 0


def test_another_citizens_fullmakt_is_not_found(api_client, kari, holder):
    other = make_person(date(1960, 1, 1))
    theirs = grant_fullmakt(giver=other, recipient=holder, areas=[Area.RECORDS],
                            starts_on=today_in_norway(), ends_on=today_in_norway(),
                            actor=Actor.person(other.id))
    db.session.commit()
    assert delete(api_client, f"/api/v1/proxies/{theirs.id}").status_code == 404
    assert delete(api_client, "/api/v1/proxies/2147483647").status_code == 404
    assert db.session.get(Fullmakt, theirs.id).revoked_at is None


def test_acting_for_someone_else_proxies_are_refused(api_client, kari, holder):
    grant_fullmakt(giver=kari, recipient=holder, areas=[Area.RECORDS],
                   starts_on=today_in_norway(), ends_on=today_in_norway() + timedelta(days=3),
                   actor=Actor.person(kari.id))
    db.session.commit()
    log_in_as(api_client, holder, acting_for=kari)
    assert api_client.get("/api/v1/proxies").status_code == 403
    assert api_client.post("/api/v1/proxies", json={
        "national_id": national_id_of(make_person(date(1970, 2, 2))), "areas": ["records"],
        "ends_on": "2026-12-31"}).status_code == 403
    # Blocks are hers, and the fullmakt covers records: the holder may set them for her.
    assert api_client.post("/api/v1/blocks", json={"everything": True}).status_code == 201
    [block] = db.session.scalars(sa.select(Block)).all()
    assert block.person_id == kari.id


def test_overlapping_fullmakter_are_two_and_the_holder_gets_the_union(api_client, kari,
                                                                     holder):
    number = national_id_of(holder)
    first = api_client.post("/api/v1/proxies", json={
        "national_id": number, "areas": ["records"], "ends_on": "2026-03-10"})
    second = api_client.post("/api/v1/proxies", json={
        "national_id": number, "areas": ["appointments"], "starts_on": "2026-03-05",
        "ends_on": "2026-03-20"})
    assert (first.status_code, second.status_code) == (201, 201)
    log_in_as(api_client, holder)
    [acts_for] = api_client.get("/api/v1/proxies").get_json()["acts_for"]
    assert (acts_for["person"]["id"], acts_for["basis"], acts_for["areas"]) == (
        kari.id, "fullmakt", ["records"])
