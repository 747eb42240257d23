"""For a system a document is hidden from, it is not there: FHIR read, search, Binary read,
conditional matching, update and Bundle entries, for a helsenorge-like client (belonging to
no organisation) against the hospital's own client (SystemClient.organisation_id = the
custodian), with blocks, withholding, release times and removed online access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from services.actors import Actor
from services.audit.models import AuditEvent
from services.clients.models import SystemClient
from services.db import db
from services.records import access
from services.records.models import Document
from tests.citizen.fhir.records_support import DOCUMENTS, document, outcome
from tests.plugins.db import table_rows
from tests.plugins.factories import make_organisation, make_person, make_staff, system_bearer
from tests.services.records.factories import make_block, make_document, remove_online_access

READ = "system/DocumentReference.rs system/Binary.r"


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def other_hospital(db):
    return make_organisation(name="Helse Bergen HF", org_number="983974910")


@pytest.fixture
def woman(db):
    return make_person(given_name="Kari")


@pytest.fixture
def own(db, hospital):
    """The hospital's own record system."""
    return system_bearer("system/DocumentReference.crus system/Binary.r", name="DIPS",
                         organisation=hospital)


@pytest.fixture
def helsenorge(db):
    """A system acting for citizens: nobody's own system."""
    return system_bearer(f"{READ} system/DocumentReference.cu", name="helsenorge.no")


@pytest.fixture
def bergen(db, other_hospital):
    """Another hospital's own record system."""
    return system_bearer("system/DocumentReference.crus system/Binary.r", name="Bergen DIPS",
                         organisation=other_hospital)


def store(client, own, woman, **kwargs) -> int:
    response = client.post("/fhir/R4/DocumentReference", json=document(woman, **kwargs),
                           headers=own)
    assert response.status_code == 201, response.json
    return int(response.json["id"])


def seen(client, headers, woman, document_id: int) -> dict[str, bool]:
    """Whether each read path finds the document."""
    read = client.get(f"/fhir/R4/DocumentReference/{document_id}", headers=headers)
    assert read.status_code in (200, 404), read.json
    binary = client.get(f"/fhir/R4/Binary/{document_id}", headers=headers)
    assert binary.status_code in (200, 404), binary.json

    def found(query: str) -> bool:
        response = client.get(f"/fhir/R4/DocumentReference?{query}", headers=headers)
        assert response.status_code == 200, response.json
        return str(document_id) in {e["resource"]["id"] for e in response.json["entry"]}

    posted = client.post("/fhir/R4/DocumentReference/_search",
                         data={"patient": f"Patient/{woman.id}"}, headers=headers)
    return {"read": read.status_code == 200, "binary": binary.status_code == 200,
            "search": found(f"patient=Patient/{woman.id}"),
            "search-id": found(f"_id={document_id}"),
            "search-identifier": found(f"identifier={DOCUMENTS}|{_identifier(document_id)}"),
            "search-post": str(document_id) in {e["resource"]["id"]
                                                for e in posted.json["entry"]}}


def _identifier(document_id: int) -> str:
    return db.session.get(Document, document_id).identifier_value


EVERYWHERE = dict.fromkeys(("read", "binary", "search", "search-id", "search-identifier",
                            "search-post"), True)
NOWHERE = dict.fromkeys(EVERYWHERE, False)


def test_an_unblocked_document_is_seen_by_both(client, frozen_clock, hospital, woman, own,
                                               helsenorge):
    document_id = store(client, own, woman)
    assert seen(client, own, woman, document_id) == EVERYWHERE
    assert seen(client, helsenorge, woman, document_id) == EVERYWHERE


@pytest.mark.parametrize("kind", ["document", "organisation", "everything"])
def test_a_blocked_document_is_not_there_for_helsenorge_and_is_for_its_hospital(
        client, frozen_clock, hospital, woman, own, helsenorge, kind):
    document_id = store(client, own, woman)
    make_block(woman, kind=kind, document=db.session.get(Document, document_id)
               if kind == "document" else None,
               organisation=hospital if kind == "organisation" else None)
    assert seen(client, helsenorge, woman, document_id) == NOWHERE
    assert seen(client, own, woman, document_id) == EVERYWHERE
    # Its hospital's system still updates it.
    changed = {**document(woman), "id": str(document_id), "description": "Rettet"}
    response = client.put(f"/fhir/R4/DocumentReference/{document_id}", json=changed,
                          headers=own)
    assert response.status_code == 200, response.json
    assert db.session.get(Document, document_id).title == "Rettet"


def test_a_lifted_block_hides_nothing(client, frozen_clock, hospital, woman, own, helsenorge):
    document_id = store(client, own, woman)
    make_block(woman, kind="everything", lifted=True)
    assert seen(client, helsenorge, woman, document_id) == EVERYWHERE


def test_a_block_of_a_staff_member_does_not_hide_from_systems(client, frozen_clock, hospital,
                                                              woman, own, helsenorge):
    document_id = store(client, own, woman)
    make_block(woman, kind="staff", staff=make_staff(hospital))
    assert seen(client, helsenorge, woman, document_id) == EVERYWHERE


def test_a_block_of_another_document_or_organisation_hides_only_that(
        client, frozen_clock, hospital, other_hospital, woman, own, helsenorge):
    blocked = store(client, own, woman, identifier="B")
    shown = store(client, own, woman, identifier="S")
    make_block(woman, kind="document", document=db.session.get(Document, blocked))
    make_block(woman, kind="organisation", organisation=other_hospital)
    assert seen(client, helsenorge, woman, blocked) == NOWHERE
    assert seen(client, helsenorge, woman, shown) == EVERYWHERE


def test_another_hospitals_system_sees_none_of_this_hospitals_documents(
        client, frozen_clock, hospital, woman, own, bergen):
    document_id = store(client, own, woman)
    assert seen(client, bergen, woman, document_id) == NOWHERE
    changed = {**document(woman), "id": str(document_id), "description": "Overtatt"}
    outcome(client.put(f"/fhir/R4/DocumentReference/{document_id}", json=changed,
                       headers=bergen), 404)
    assert db.session.get(Document, document_id).title != "Overtatt"


def test_a_withheld_document_is_there_for_its_hospital_only(client, frozen_clock, hospital,
                                                            woman, own, helsenorge):
    document_id = store(client, own, woman, withheld=True)
    assert seen(client, helsenorge, woman, document_id) == NOWHERE
    assert seen(client, own, woman, document_id) == EVERYWHERE


def test_an_entered_in_error_document_is_not_there_for_helsenorge(client, frozen_clock,
                                                                  hospital, woman, own,
                                                                  helsenorge):
    document_id = store(client, own, woman, status="entered-in-error")
    assert seen(client, helsenorge, woman, document_id) == NOWHERE
    assert seen(client, own, woman, document_id) == EVERYWHERE


def test_a_document_appears_for_helsenorge_at_its_release_time(client, frozen_clock, hospital,
                                                               woman, own, helsenorge):
    release = datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
    document_id = store(client, own, woman, release_after="2026-03-09T12:00:00+01:00")
    assert seen(client, own, woman, document_id) == EVERYWHERE
    frozen_clock.move_to(release - timedelta(seconds=1))
    helsenorge = system_bearer(READ, name="helsenorge.no")  # a token of the day
    assert seen(client, helsenorge, woman, document_id) == NOWHERE
    frozen_clock.move_to(release)
    assert seen(client, helsenorge, woman, document_id) == EVERYWHERE


def test_removed_online_access_hides_everything_from_helsenorge(client, frozen_clock, hospital,
                                                                woman, own, helsenorge):
    document_id = store(client, own, woman)
    removal = remove_online_access(woman)
    assert seen(client, helsenorge, woman, document_id) == NOWHERE
    assert seen(client, own, woman, document_id) == EVERYWHERE
    removal.restored_at, removal.restored_by = datetime.now(UTC), f"person:{woman.id}"
    db.session.commit()
    assert seen(client, helsenorge, woman, document_id) == EVERYWHERE


def test_a_hidden_document_is_counted_nowhere_and_not_audited(client, frozen_clock, hospital,
                                                              woman, own, helsenorge):
    hidden = store(client, own, woman, identifier="H", withheld=True)
    shown = store(client, own, woman, identifier="S")
    before = len(table_rows(AuditEvent))
    response = client.get(f"/fhir/R4/DocumentReference?patient=Patient/{woman.id}&_count=1",
                          headers=helsenorge)
    assert [e["resource"]["id"] for e in response.json["entry"]] == [str(shown)]
    assert [link["relation"] for link in response.json["link"]] == ["self"]  # no next page
    new = table_rows(AuditEvent)[before:]
    assert [(r.action, r.resource_id) for r in new] == [("search", str(shown))]
    assert str(hidden) not in {r.resource_id for r in new}


def test_a_hidden_document_is_404_on_update_and_in_bundle_entries(client, frozen_clock,
                                                                   hospital, woman, own,
                                                                   helsenorge):
    document_id = store(client, own, woman, withheld=True)
    changed = {**document(woman), "id": str(document_id)}
    outcome(client.put(f"/fhir/R4/DocumentReference/{document_id}", json=changed,
                       headers=helsenorge), 404)
    batch = client.post("/fhir/R4", headers=helsenorge, json={
        "resourceType": "Bundle", "type": "batch", "entry": [{
            "request": {"method": "PUT", "url": f"DocumentReference/{document_id}"},
            "resource": changed}]})
    assert batch.status_code == 200
    assert batch.json["entry"][0]["response"]["status"] == "404"
    assert db.session.get(Document, document_id).version_id == 1


def test_a_condition_does_not_match_a_hidden_document(client, frozen_clock, hospital, woman,
                                                      own, helsenorge):
    """For helsenorge the conditional update finds nothing, so it would create: and only
    a hospital's own system writes documents."""
    store(client, own, woman, withheld=True)
    response = client.put(f"/fhir/R4/DocumentReference?identifier={DOCUMENTS}|D-1",
                          json=document(woman), headers=helsenorge)
    outcome(response, 403)
    assert len(table_rows(Document)) == 1 and table_rows(Document)[0].version_id == 1


def test_only_the_custodians_own_system_writes(client, frozen_clock, hospital, other_hospital,
                                               woman, own, helsenorge, bergen):
    outcome(client.post("/fhir/R4/DocumentReference", json=document(woman),
                        headers=helsenorge), 403)
    outcome(client.post("/fhir/R4/DocumentReference", json=document(woman), headers=bergen),
            403, "DocumentReference.custodian")
    document_id = store(client, own, woman)
    changed = {**document(woman), "id": str(document_id), "description": "Endret"}
    outcome(client.put(f"/fhir/R4/DocumentReference/{document_id}", json=changed,
                       headers=helsenorge), 403)
    assert [d.title for d in table_rows(Document)] == ["Epikrise fra medisinsk avdeling"]


def test_the_hospitals_conditional_create_finds_its_blocked_document(client, frozen_clock,
                                                                     hospital, woman, own):
    document_id = store(client, own, woman)
    make_block(woman, kind="everything")
    response = client.post("/fhir/R4/DocumentReference", json=document(woman), headers={
        **own, "If-None-Exist": f"identifier={DOCUMENTS}|D-1"})
    assert response.status_code == 200 and response.json["id"] == str(document_id)


# --- every path agrees with the one rule -----------------------------------------------

_SITUATIONS = st.fixed_dictionaries({
    "status": st.sampled_from(["current", "superseded", "entered-in-error"]),
    "withheld": st.booleans(),
    "release": st.sampled_from([None, -timedelta(seconds=1), timedelta(0),
                                timedelta(seconds=1), timedelta(days=7)]),
    "block": st.sampled_from([None, "document", "organisation", "other-organisation",
                              "everything", "staff", "lifted"]),
    "offline": st.booleans(),
})


@given(situation=_SITUATIONS)
def test_every_read_path_agrees_with_the_one_rule(client, frozen_clock, hospital,
                                                  other_hospital, own, helsenorge, monkeypatch,
                                                  situation):
    """Whatever the document's state and her blocks, each FHIR read path shows helsenorge
    exactly what services/records/access.py says, and the hospital's system everything."""
    from services.clock import utcnow

    monkeypatch.setitem(client.application.config, "FHIR_RATE_LIMIT", "1000000/second")
    woman = make_person(given_name="Kari")
    now = utcnow()
    release = situation["release"]
    stored = make_document(woman, hospital, status=situation["status"],
                           withheld=situation["withheld"],
                           release_after=now + release if release is not None else None)
    block = situation["block"]
    if block in ("document", "organisation", "everything", "lifted"):
        make_block(woman, kind="everything" if block == "lifted" else block,
                   document=stored if block == "document" else None,
                   organisation=hospital if block == "organisation" else None,
                   lifted=block == "lifted")
    elif block == "other-organisation":
        make_block(woman, kind="organisation", organisation=other_hospital)
    elif block == "staff":
        make_block(woman, kind="staff", staff=make_staff(hospital))
    if situation["offline"]:
        remove_online_access(woman)

    token_client = db.session.scalars(sa.select(SystemClient.client_id).where(
        SystemClient.name == "helsenorge.no")).one()
    rule = db.session.scalar(access.visible(
        sa.select(Document.id).where(Document.id == stored.id),
        viewer=access.Viewer.of(Actor.system(token_client)), now=now)) is not None
    paths = seen_any(client, helsenorge, woman, stored)
    assert paths == dict.fromkeys(paths, rule), situation
    assert seen_any(client, own, woman, stored) == dict.fromkeys(paths, True)


def seen_any(client, headers, woman, stored) -> dict[str, bool]:
    read = client.get(f"/fhir/R4/DocumentReference/{stored.id}", headers=headers)
    binary = client.get(f"/fhir/R4/Binary/{stored.id}", headers=headers)
    assert read.status_code in (200, 404) and binary.status_code in (200, 404)

    def found(query: str) -> bool:
        response = client.get(f"/fhir/R4/DocumentReference?{query}", headers=headers)
        assert response.status_code == 200, response.json
        return str(stored.id) in {e["resource"]["id"] for e in response.json["entry"]}

    return {"read": read.status_code == 200, "binary": binary.status_code == 200,
            "search": found(f"patient=Patient/{woman.id}"),
            "identifier": found(f"identifier={stored.identifier_system}|"
                                f"{stored.identifier_value}"),
            "date": found(f"patient=Patient/{woman.id}&date=le2030-01-01")}
