"""Reference and chained search parameters, parsed once in the generic layer.

No served type has a reference parameter yet, so the test serves one of its own: the
parents on record as ``RelatedPerson``, searchable by the child as ``patient``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from citizen.fhir import registry
from citizen.fhir.params import of_people
from citizen.fhir.registry import ResourceHandler, SearchParam
from services.actors import Actor
from services.people.identity import FNR_SYSTEM
from services.people.models import Guardianship
from services.people.service import national_id_of, record_guardianship
from tests.plugins.factories import make_person, system_bearer


class RelatedPersonHandler(ResourceHandler):
    """``patient`` as the served types have it (``of_people``): a chain to a plain
    parameter of Patient (``identifier``) is bound into a statement built once."""

    resource_type = "RelatedPerson"
    model = Guardianship
    interactions = ("search-type",)
    search_params = {
        "patient": SearchParam("reference", "the child", target="Patient",
                               apply=of_people(Guardianship.child_id)),
    }

    def to_fhir(self, row) -> dict[str, Any]:
        return {"resourceType": "RelatedPerson", "id": str(row.id),
                "patient": {"reference": f"Patient/{row.child_id}"}}

    def subject_of(self, row) -> int:
        return row.child_id


class OwnApplyHandler(RelatedPersonHandler):
    """``patient`` applied by a handler's own function: every chain built per request."""

    search_params = {
        "patient": SearchParam("reference", "the child", target="Patient",
                               apply=lambda st, ids: st.where(Guardianship.child_id.in_(ids))),
    }


@pytest.fixture(params=[RelatedPersonHandler, OwnApplyHandler], ids=["bound", "built"])
def family(request, db, monkeypatch):
    monkeypatch.setitem(registry._handlers, "RelatedPerson", request.param())
    child, other_child = make_person(date(2016, 4, 4)), make_person(date(2017, 5, 5))
    for kid in (child, other_child):
        record_guardianship(guardian=make_person(date(1980, 1, 1)), child=kid,
                            shares_address=True, actor=Actor.system("hospital"))
    db.session.commit()
    return child, other_child


def _children(client, query: str, headers) -> list[str]:
    response = client.get(f"/fhir/R4/RelatedPerson?{query}", headers=headers)
    assert response.status_code == 200, response.json
    return [e["resource"]["patient"]["reference"] for e in response.json.get("entry", [])]


def test_a_reference_in_every_form_finds_the_same(client, family):
    child, _other = family
    reader = system_bearer("system/*.rs")
    mine = [f"Patient/{child.id}"]
    assert _children(client, f"patient=Patient/{child.id}", reader) == mine
    assert _children(client, f"patient={child.id}", reader) == mine
    assert _children(client, f"patient=http://minhelse.test/fhir/R4/Patient/{child.id}",
                     reader) == mine
    assert _children(client, "patient=Patient/999999", reader) == []
    assert _children(client, "patient=Patient/%D9%A1", reader) == []  # Arabic-Indic one
    assert _children(client, f"patient=Patient/{2**70}", reader) == []


def test_a_chain_searches_the_target_by_its_own_parameters(client, family):
    child, _other = family
    reader = system_bearer("system/*.rs")
    number = national_id_of(child)
    assert _children(client, f"patient.identifier={FNR_SYSTEM}|{number}", reader) == [
        f"Patient/{child.id}"]
    assert _children(client, f"patient.identifier={number}", reader) == [f"Patient/{child.id}"]
    assert _children(client, "patient.birthdate=ge2017-01-01", reader) == [
        f"Patient/{family[1].id}"]
    assert _children(client, "patient.identifier=urn:other|1", reader) == []
    assert _children(client, "patient.identifier=12345678901", reader) == []  # not valid


def test_a_chain_with_several_values_finds_any_of_them(client, family):
    child, other = family
    reader = system_bearer("system/*.rs")
    both = f"{national_id_of(child)},{FNR_SYSTEM}|{national_id_of(other)}"
    assert sorted(_children(client, f"patient.identifier={both}", reader)) == sorted([
        f"Patient/{child.id}", f"Patient/{other.id}"])
    # Another parameter beside it is AND.
    assert _children(client, f"patient.identifier={national_id_of(child)}"
                             f"&patient={other.id}", reader) == []


@pytest.mark.parametrize("query", ["patient=Observation/1", "patient.nmae=x",
                                   "patient.birthdate=yesterday"])
def test_a_bad_reference_or_chain_is_400(client, family, query):
    reader = system_bearer("system/*.rs")
    response = client.get(f"/fhir/R4/RelatedPerson?{query}", headers=reader)
    assert response.status_code == 400
    assert response.json["resourceType"] == "OperationOutcome"


def test_the_chained_audit_rows_name_the_subject(client, family, db):
    from services.audit.models import AuditEvent

    child, _other = family
    client.get(f"/fhir/R4/RelatedPerson?patient={child.id}", headers=system_bearer("system/*.rs"))
    [row] = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.resource_type == "RelatedPerson", AuditEvent.action == "search"))
    assert row.subject_person_id == child.id
