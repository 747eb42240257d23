"""The visibility rule (services/records/access.py) at its boundaries.

Two layers. ``test_the_rule_in_every_state`` sets up one state of her record (one block or
none, active or lifted, her online access never removed, removed or restored) over a set
of documents that covers each release control at its edge (released a second ago, at
this instant, in a second; withheld; entered in error; superseded; written at a unit; held
by another hospital), and checks every kind of viewer against the rule as the docstring of
access.py states it, written out here once more in plain Python (``expected``). The
named tests after it pin the same rule down in words, one boundary each, so that a
failure reads as a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.clients.models import SystemClient
from services.clock import utcnow
from services.db import db
from services.people.models import Role
from services.people.service import add_organisation
from services.records.access import Viewer, ViewerKind, online_access_removed, visible
from services.records.models import Document, DocumentStatus
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.records.factories import make_block, make_document, remove_online_access

VIEWERS = ("patient", "staff_hospital", "staff_unit", "staff_other", "system_hospital",
           "system_other_hospital", "system_helsenorge")
#: (block kind, what it names) for each state of her blocks: what the block targets is
#: one of the documents, organisations or staff of the world below.
BLOCKS = {
    "none": None,
    "document": ("document", "plain"),
    "document-at-unit": ("document", "at_unit"),
    "organisation-custodian": ("organisation", "hospital"),
    "organisation-unit": ("organisation", "unit"),
    "organisation-other": ("organisation", "other"),
    "everything": ("everything", None),
    "staff-hospital": ("staff", "staff_hospital"),
    "staff-other": ("staff", "staff_other"),
    # Someone else's blocks never touch her documents.
    "another-persons-everything": ("everything-of-another", None),
    "another-persons-staff": ("staff-of-another", "staff_hospital"),
}
ONLINE = ("never-removed", "removed", "restored", "removed-by-another")


@dataclass
class World:
    person: object
    another: object
    organisations: dict
    staff: dict
    documents: dict
    viewers: dict


@pytest.fixture
def world(db, frozen_clock) -> World:
    now = utcnow()
    person, another = make_person(given_name="Kari"), make_person(given_name="Ola")
    hospital = make_organisation()
    unit = add_organisation(name="Kvinneklinikken", org_number="974749025", parent=hospital)
    other = make_organisation(name="Helse Bergen HF", org_number="983974910")
    db.session.commit()
    staff = {"staff_hospital": make_staff(hospital, Role.ADMIN, name="Lege Olavs"),
             "staff_unit": make_staff(unit, Role.ADMIN, name="Jordmor Klinikk"),
             "staff_other": make_staff(other, Role.ADMIN, name="Lege Bergen")}
    documents = {
        "plain": make_document(person, hospital, title="plain"),
        "at_unit": make_document(person, hospital, title="at_unit", unit=unit),
        "withheld": make_document(person, hospital, title="withheld", withheld=True),
        "released_a_second_ago": make_document(person, hospital, title="released_a_second_ago",
                                               release_after=now - timedelta(seconds=1)),
        "released_now": make_document(person, hospital, title="released_now",
                                      release_after=now),
        "released_in_a_second": make_document(person, hospital, title="released_in_a_second",
                                              release_after=now + timedelta(seconds=1)),
        "entered_in_error": make_document(person, hospital, title="entered_in_error",
                                          status="entered-in-error"),
        "superseded": make_document(person, hospital, title="superseded", status="superseded"),
        "other_hospital": make_document(person, other, title="other_hospital"),
    }
    # Another person's document is never in her list, whoever looks.
    make_document(another, hospital, title="another persons")
    # Stored directly: create_client's secret hashing would be most of the fixture's time.
    own_system, other_system, helsenorge = (
        SystemClient(client_id=client_id, name=client_id, scopes="system/*.rs",
                     auth_method="private_key_jwt", organisation_id=organisation_id)
        for client_id, organisation_id in (("st-olavs", hospital.id), ("bergen", other.id),
                                           ("helsenorge", None)))
    db.session.add_all([own_system, other_system, helsenorge])
    db.session.commit()
    viewers = {
        "patient": Viewer.of(Actor.person(person.id)),
        "staff_hospital": Viewer.of(Actor.staff(staff["staff_hospital"].id,
                                                organisation_id=hospital.id)),
        "staff_unit": Viewer.of(Actor.staff(staff["staff_unit"].id, organisation_id=unit.id)),
        "staff_other": Viewer.of(Actor.staff(staff["staff_other"].id,
                                             organisation_id=other.id)),
        "system_hospital": Viewer.of(Actor.system(own_system.client_id)),
        "system_other_hospital": Viewer.of(Actor.system(other_system.client_id)),
        "system_helsenorge": Viewer.of(Actor.system(helsenorge.client_id)),
    }
    return World(person, another, {"hospital": hospital, "unit": unit, "other": other},
                 staff, documents, viewers)


def seen(world: World, viewer: str, *, now=None) -> set[str]:
    statement = sa.select(Document.title).where(Document.person_id == world.person.id)
    return set(db.session.scalars(visible(statement, viewer=world.viewers[viewer],
                                          now=now or utcnow())))


def set_block(world: World, name: str, *, lifted: bool) -> None:
    if BLOCKS[name] is None:
        return
    kind, target = BLOCKS[name]
    if kind == "document":
        make_block(world.person, kind="document", document=world.documents[target],
                   lifted=lifted)
    elif kind == "organisation":
        make_block(world.person, kind="organisation",
                   organisation=world.organisations[target], lifted=lifted)
    elif kind == "staff":
        make_block(world.person, kind="staff", staff=world.staff[target], lifted=lifted)
    elif kind == "everything":
        make_block(world.person, kind="everything", lifted=lifted)
    elif kind == "everything-of-another":
        make_block(world.another, kind="everything", lifted=lifted)
    else:
        make_block(world.another, kind="staff", staff=world.staff[target], lifted=lifted)


def set_online(world: World, state: str) -> None:
    if state == "removed":
        remove_online_access(world.person)
    elif state == "restored":
        removal = remove_online_access(world.person)
        removal.restored_at, removal.restored_by = utcnow(), f"person:{world.person.id}"
        db.session.commit()
    elif state == "removed-by-another":
        remove_online_access(world.another)


# -- the rule, once more, in plain Python ----------------------------------------------

ORGANISATION_OF = {"other_hospital": "other"}
UNIT_OF = {"at_unit": "unit"}
#: The organisations whose documents each viewer has as its own.
OWN = {"staff_hospital": {"hospital", "unit"}, "staff_unit": {"unit", "hospital"},
       "staff_other": {"other"}, "system_hospital": {"hospital", "unit"},
       "system_other_hospital": {"other"}, "system_helsenorge": set()}


def expected(viewer: str, document: str, *, block: str, lifted: bool, online: str) -> bool:
    organisation = ORGANISATION_OF.get(document, "hospital")
    active = BLOCKS[block] if not lifted else None
    kind, target = active or (None, None)
    kept_from_sharing = (
        (kind == "document" and target == document)
        or (kind == "organisation" and target in (organisation, UNIT_OF.get(document)))
        or kind == "everything")
    online_ok = (document not in ("withheld", "released_in_a_second", "entered_in_error")
                 and online != "removed")
    if viewer == "patient":
        return online_ok
    if viewer.startswith("staff"):
        if kind == "staff" and target == viewer:
            return False
        return organisation in OWN[viewer] or not kept_from_sharing
    if OWN[viewer]:
        return organisation in OWN[viewer]
    return online_ok and not kept_from_sharing


@pytest.mark.parametrize("online", ONLINE)
@pytest.mark.parametrize("lifted", [False, True], ids=["active", "lifted"])
@pytest.mark.parametrize("block", BLOCKS)
def test_the_rule_in_every_state(world, block, lifted, online):
    set_block(world, block, lifted=lifted)
    set_online(world, online)
    for viewer in VIEWERS:
        want = {d for d in world.documents
                if expected(viewer, d, block=block, lifted=lifted, online=online)}
        assert seen(world, viewer) == want, viewer


# -- the same rule, boundary by boundary -----------------------------------------------

def test_the_patient_sees_what_is_released_and_not_withheld_or_in_error(world):
    assert seen(world, "patient") == {"plain", "at_unit", "released_a_second_ago",
                                      "released_now", "superseded", "other_hospital"}


def test_release_after_is_the_first_instant_she_sees_it(world):
    moment = world.documents["released_in_a_second"].release_after
    assert "released_in_a_second" not in seen(world, "patient",
                                              now=moment - timedelta(microseconds=1))
    assert "released_in_a_second" in seen(world, "patient", now=moment)
    assert "released_in_a_second" in seen(world, "patient", now=moment + timedelta(days=1))


def test_her_blocks_hide_nothing_from_herself(world):
    for kind in ("everything", "staff"):
        make_block(world.person, kind=kind, staff=world.staff["staff_hospital"]
                   if kind == "staff" else None)
    make_block(world.person, kind="document", document=world.documents["plain"])
    assert "plain" in seen(world, "patient")


def test_removing_online_access_hides_everything_from_her_and_helsenorge_not_the_hospital(
        world):
    removal = remove_online_access(world.person)
    assert seen(world, "patient") == set()
    assert seen(world, "system_helsenorge") == set()
    assert online_access_removed(world.person.id) is True
    assert seen(world, "staff_other") == set(world.documents)
    assert "plain" in seen(world, "system_hospital")
    removal.restored_at = utcnow()
    db.session.commit()
    assert online_access_removed(world.person.id) is False
    assert "plain" in seen(world, "patient")


def test_online_access_of_someone_else_is_not_hers(world):
    remove_online_access(world.another)
    assert online_access_removed(world.person.id) is False
    assert online_access_removed(world.another.id) is True
    assert "plain" in seen(world, "patient")


def test_no_removal_at_all_is_false_not_none(world):
    assert online_access_removed(world.person.id) is False


def test_staff_of_the_hospital_see_everything_it_holds_even_withheld_and_blocked(world):
    make_block(world.person, kind="everything")
    assert seen(world, "staff_hospital") == set(world.documents) - {"other_hospital"}


def test_a_unit_is_its_hospital_for_blocks(world):
    make_block(world.person, kind="organisation", organisation=world.organisations["hospital"])
    assert seen(world, "staff_unit") == set(world.documents)
    assert seen(world, "staff_other") == {"other_hospital"}


def test_a_block_on_a_unit_covers_what_was_written_there(world):
    make_block(world.person, kind="organisation", organisation=world.organisations["unit"])
    assert "at_unit" not in seen(world, "staff_other")
    assert "plain" in seen(world, "staff_other")
    assert "at_unit" not in seen(world, "system_helsenorge")


def test_a_document_block_keeps_that_document_only_from_other_organisations(world):
    make_block(world.person, kind="document", document=world.documents["plain"])
    assert seen(world, "staff_other") == set(world.documents) - {"plain"}
    assert "plain" in seen(world, "staff_hospital")
    assert seen(world, "system_helsenorge") == seen(world, "patient") - {"plain"}


def test_a_named_staff_member_sees_nothing_even_at_their_own_hospital(world):
    make_block(world.person, kind="staff", staff=world.staff["staff_hospital"])
    assert seen(world, "staff_hospital") == set()
    assert seen(world, "staff_unit") == set(world.documents)
    assert "plain" in seen(world, "system_hospital")


def test_a_lifted_block_keeps_nothing(world):
    make_block(world.person, kind="everything", lifted=True)
    make_block(world.person, kind="staff", staff=world.staff["staff_hospital"], lifted=True)
    assert seen(world, "staff_other") == set(world.documents)
    assert seen(world, "staff_hospital") == set(world.documents)


def test_the_hospitals_own_system_sees_its_documents_and_no_others(world):
    remove_online_access(world.person)
    make_block(world.person, kind="everything")
    assert seen(world, "system_hospital") == set(world.documents) - {"other_hospital"}
    assert seen(world, "system_other_hospital") == {"other_hospital"}


def test_helsenorge_sees_what_she_sees_less_her_blocks(world):
    make_block(world.person, kind="organisation", organisation=world.organisations["other"])
    assert seen(world, "system_helsenorge") == seen(world, "patient") - {"other_hospital"}


def test_viewer_of_each_actor_kind(world):
    assert world.viewers["patient"] == Viewer(ViewerKind.PATIENT)
    hospital, unit = world.organisations["hospital"], world.organisations["unit"]
    staff = world.viewers["staff_unit"]
    assert (staff.kind, staff.organisation_id, staff.staff_id) == (
        ViewerKind.STAFF, unit.id, world.staff["staff_unit"].id)
    assert staff.own == {unit.id, hospital.id}
    assert world.viewers["staff_hospital"].own == {hospital.id, unit.id}
    system = world.viewers["system_hospital"]
    assert (system.kind, system.organisation_id, system.own) == (
        ViewerKind.SYSTEM, hospital.id, {hospital.id, unit.id})
    helsenorge = world.viewers["system_helsenorge"]
    assert (helsenorge.kind, helsenorge.organisation_id, helsenorge.own) == (
        ViewerKind.SYSTEM, None, frozenset())


def test_a_viewer_made_by_hand_owns_its_organisation_only(world):
    hospital = world.organisations["hospital"]
    assert Viewer(ViewerKind.STAFF, organisation_id=hospital.id, staff_id=1).own == {
        hospital.id}
    assert Viewer(ViewerKind.STAFF, staff_id=1).own == frozenset()


def test_staff_without_an_organisation_see_only_what_is_shared(world):
    make_block(world.person, kind="document", document=world.documents["plain"])
    viewer = Viewer.of(Actor.staff(world.staff["staff_hospital"].id, organisation_id=None))
    assert viewer.own == frozenset()
    statement = sa.select(Document.title).where(Document.person_id == world.person.id)
    titles = set(db.session.scalars(visible(statement, viewer=viewer, now=utcnow())))
    assert titles == set(world.documents) - {"plain"}


def test_a_cycle_in_the_organisation_register_does_not_hang(world):
    hospital, unit = world.organisations["hospital"], world.organisations["unit"]
    hospital.parent_id = unit.id
    db.session.commit()
    viewer = Viewer.of(Actor.staff(world.staff["staff_unit"].id, organisation_id=unit.id))
    assert viewer.own == {hospital.id, unit.id}


def test_a_deep_chain_of_parents_is_followed_to_the_top(world):
    hospital = world.organisations["hospital"]
    region = add_organisation(name="Helse Midt-Norge RHF", org_number="983658725")
    hospital.parent = region
    db.session.commit()
    unit = world.organisations["unit"]
    viewer = Viewer.of(Actor.staff(world.staff["staff_unit"].id, organisation_id=unit.id))
    assert viewer.own == {unit.id, hospital.id, region.id}


def test_superseded_documents_stay_readable_entered_in_error_do_not(world):
    assert world.documents["superseded"].status is DocumentStatus.SUPERSEDED
    assert "superseded" in seen(world, "patient")
    assert "entered_in_error" not in seen(world, "patient")
    assert "entered_in_error" in seen(world, "staff_hospital")
