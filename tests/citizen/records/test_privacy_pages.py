"""The privacy page (blocks, online access) and the consent history with its downloads, in
bokmål unless said: forms that work without JavaScript, refusals on the form (4xx) with
what she typed kept, another citizen's block 404, a representative without records 403."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.actors import Actor
from services.db import db
from services.people.models import Area, Fullmakt, Role
from services.people.service import record_guardianship
from services.records import blocks
from services.records.access import online_access_removed
from services.records.models import Block
from tests.citizen.pages import csrf, sign_in_citizen, text
from tests.plugins.api import log_in_as
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.records.factories import make_document

PAGE = "/records/privacy"


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def kari(hospital, client):
    person = make_person(given_name="Kari", family_name="Berg")
    sign_in_citizen(client, person)
    return person


def post(client, path: str, data: dict, page: str = PAGE):
    token = csrf(text(client.get(page)))
    return client.post(path, data={**data, "csrf_token": token})


def active_blocks(person):
    return list(db.session.scalars(sa.select(Block).where(Block.person_id == person.id,
                                                          Block.lifted_at.is_(None))))


def test_the_page_explains_blocks_and_online_access(client, kari):
    page = text(client.get(PAGE))
    assert "<h1>Personvern og sperring</h1>" in page
    assert "Du har ingen sperringer." in page
    assert "Fjern tilgangen på nett" in page
    assert 'href="/records/consent-history"' in page


def test_block_everything_then_lift_it(client, kari):
    answer = post(client, "/records/privacy/blocks", {"kind": "everything"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(PAGE)
    page = text(client.get(PAGE))
    assert "Sperringen er satt." in page
    assert "Alt i journalen din holdes unna andre sykehus og tjenester" in page
    [block] = active_blocks(kari)
    again = post(client, "/records/privacy/blocks", {"kind": "everything"})
    assert again.status_code == 303
    assert "Denne sperringen var allerede satt." in text(client.get(PAGE))
    assert len(active_blocks(kari)) == 1
    lifted = post(client, f"/records/privacy/blocks/{block.id}/lift", {})
    assert lifted.status_code == 303
    page = text(client.get(PAGE))
    assert "Sperringen er opphevet." in page and "Opphevede sperringer" in page
    assert active_blocks(kari) == []


def test_block_a_document_an_organisation_by_number_and_a_staff_member_by_hpr(client, kari,
                                                                             hospital):
    document = make_document(kari, hospital, title="Epikrise fra mars")
    bergen = make_organisation(name="Helse Bergen HF", org_number="983974910")
    staff = make_staff(hospital, Role.ADMIN, name="Lege Lund", hpr_number="7654321")
    page = text(client.get(f"{PAGE}?document={document.id}"))
    assert f'<option value="{document.id}" selected>Epikrise fra mars' in page
    assert post(client, "/records/privacy/blocks",
                {"kind": "document", "document": str(document.id)}).status_code == 303
    assert post(client, "/records/privacy/blocks",
                {"kind": "organisation", "org_number": "983 974 910"}).status_code == 303
    assert post(client, "/records/privacy/blocks",
                {"kind": "staff", "hpr_number": "7654321"}).status_code == 303
    assert {(b.kind.value, b.document_id, b.organisation_id, b.staff_id)
            for b in active_blocks(kari)} == {("document", document.id, None, None),
                                              ("organisation", None, bergen.id, None),
                                              ("staff", None, None, staff.id)}
    page = text(client.get(PAGE))
    for said in ("Dokumentet «Epikrise fra mars» holdes unna andre sykehus og tjenester",
                 "Dokumenter fra Helse Bergen HF holdes unna andre sykehus og tjenester",
                 "Lege Lund kan ikke se journalen din"):
        assert said in page, said


def test_staff_who_read_her_record_are_offered_by_name(client, kari, hospital):
    from services import audit

    staff = make_staff(hospital, Role.ADMIN, name="Sykepleier Sol")
    audit.record(actor=Actor.staff(staff.id, organisation_id=hospital.id), action="read",
                 resource_type="DocumentReference", resource_id="1",
                 subject_person_id=kari.id, purpose="treatment")
    db.session.commit()
    assert f'<option value="{staff.id}" >Sykepleier Sol</option>' in text(client.get(PAGE))


@pytest.mark.parametrize("data, field, message", [
    ({}, "kind", "Velg hva du vil sperre."),
    ({"kind": "sometimes"}, "kind", "Velg hva du vil sperre."),
    ({"kind": "organisation"}, "organisation", "Velg en virksomhet, eller skriv nummeret."),
    ({"kind": "organisation", "org_number": "123"}, "org_number",
     "Vi finner ikke noe sykehus eller kontor med dette nummeret."),
    ({"kind": "organisation", "organisation": "2147483647"}, "organisation",
     "Vi finner ikke det du valgte. Velg på nytt."),
    ({"kind": "document"}, "document", "Velg et dokument."),
    ({"kind": "document", "document": "abc"}, "document", "Velg et dokument."),
    ({"kind": "document", "document": "99999999999999999999"}, "document",
     "Velg et dokument."),
    ({"kind": "staff"}, "staff", "Velg en person, eller skriv HPR-nummeret."),
    ({"kind": "staff", "hpr_number": "12"}, "hpr_number",
     "Vi kjenner ikke helsepersonell med dette HPR-nummeret."),
])
def test_a_block_that_cannot_be_set_is_explained_on_the_form(client, kari, data, field,
                                                             message):
    answer = post(client, "/records/privacy/blocks", data)
    assert answer.status_code == 422
    page = text(answer)
    assert message in page and f'href="#{field}"' in page
    assert active_blocks(kari) == []


def test_what_she_typed_is_kept(client, kari):
    answer = post(client, "/records/privacy/blocks", {"kind": "staff", "hpr_number": "12"})
    page = text(answer)
    assert 'id="kind-staff" name="kind" value="staff" checked' in page
    assert 'value="12"' in page


def test_another_persons_document_or_block_is_not_found(client, kari, hospital):
    other = make_person(given_name="Ola")
    theirs = make_document(other, hospital)
    answer = post(client, "/records/privacy/blocks",
                  {"kind": "document", "document": str(theirs.id)})
    assert answer.status_code == 422
    block, _ = blocks.add_block(person_id=other.id, kind="everything",
                                actor=Actor.person(other.id))
    db.session.commit()
    assert post(client, f"/records/privacy/blocks/{block.id}/lift", {}).status_code == 404
    assert post(client, "/records/privacy/blocks/2147483647/lift", {}).status_code == 404
    assert db.session.get(Block, block.id).lifted_at is None


def test_remove_and_restore_her_online_access(client, kari):
    refused = post(client, "/records/privacy/online-access", {"action": "remove"})
    assert refused.status_code == 422
    assert "Kryss av for at du vet" in text(refused)
    assert not online_access_removed(kari.id)
    assert post(client, "/records/privacy/online-access",
                {"action": "remove", "confirm": "yes"}).status_code == 303
    assert online_access_removed(kari.id)
    page = text(client.get(PAGE))
    assert "Tilgangen på nett er fjernet" in page and "Gi tilgangen på nett tilbake" in page
    assert post(client, "/records/privacy/online-access",
                {"action": "restore"}).status_code == 303
    assert not online_access_removed(kari.id)
    assert post(client, "/records/privacy/online-access",
                {"action": "something"}).status_code == 422


def test_a_parent_of_a_child_under_12_manages_the_childs_blocks(client, db, frozen_clock):
    parent = make_person(date(1985, 1, 1), given_name="Mor")
    child = make_person(date(2020, 5, 5), given_name="Liten")
    record_guardianship(guardian=parent, child=child, shares_address=True,
                        actor=Actor.system("hospital"))
    db.session.commit()
    log_in_as(client, parent, acting_for=child)
    assert "Hva Liten" in text(client.get(PAGE))
    token = csrf(text(client.get(PAGE)))
    assert client.post("/records/privacy/blocks",
                       data={"kind": "everything", "csrf_token": token}).status_code == 303
    [block] = active_blocks(child)
    assert block.created_by == f"person:{parent.id}/for:{child.id}"


def test_a_parent_of_a_teen_or_a_fullmakt_without_records_is_refused(client, db, frozen_clock):
    parent = make_person(date(1980, 1, 1), given_name="Far")
    teen = make_person(date(2012, 1, 1), given_name="Ung")
    record_guardianship(guardian=parent, child=teen, shares_address=True,
                        actor=Actor.system("hospital"))
    db.session.commit()
    log_in_as(client, parent, acting_for=teen)
    answer = client.get(PAGE)
    assert answer.status_code == 403
    assert "Du har ikke tilgang til journalen." in text(answer)
    assert client.get("/records/consent-history").status_code == 403
    assert client.get("/records/consent-history.csv").status_code == 403

    giver, holder = make_person(date(1950, 1, 1)), make_person(date(1970, 1, 1))
    db.session.add(Fullmakt(giver=giver, recipient=holder, areas=[Area.APPOINTMENTS.value],
                            starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)))
    db.session.commit()
    log_in_as(client, holder, acting_for=giver)
    assert client.get(PAGE).status_code == 403


def test_the_consent_history_and_its_downloads(client, kari, hospital, frozen_clock):
    document = make_document(kari, hospital, title="=HYPERLINK(\"x\")")
    me = Actor.person(kari.id)
    blocks.add_block(person_id=kari.id, kind="document", document_id=document.id, actor=me)
    frozen_clock.shift(timedelta(minutes=5))
    blocks.remove_online_access(person_id=kari.id, actor=me)
    db.session.commit()
    page = text(client.get("/records/consent-history"))
    assert "<h1>Samtykkehistorikk</h1>" in page
    assert page.index("Fjernet tilgangen på nett til journalen") < page.index(
        "Sperret deling av et dokument")  # newest first; the title is hidden while removed
    assert "2. mars 2026 kl. 09.05" in page and ">Du<" in page
    answer = client.get("/records/consent-history.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "attachment" in answer.headers["Content-Disposition"]
    body = answer.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Tidspunkt (UTC)", "Endring", "Gjort av", "Kode"]
    assert [row[3] for row in rows[1:]] == ["online-access-removed", "block-added"]
    assert rows[1][0] == "2026-03-02T08:05:00+00:00"
    blocks.restore_online_access(person_id=kari.id, actor=me)
    db.session.commit()
    rows = list(csv.reader(io.StringIO(
        client.get("/records/consent-history.csv").get_data(as_text=True).lstrip("\ufeff"))))
    # A title that a spreadsheet would run as a formula is written as text.
    assert rows[-1][1] == "Sperret deling av dokumentet «=HYPERLINK(\"x\")»"
    assert not any(cell.startswith("=") for row in rows for cell in row)
    download = client.get("/records/consent-history.json")
    assert download.mimetype == "application/json"
    items = json.loads(download.get_data())["items"]
    assert [item["change"] for item in items] == ["online-access-restored",
                                                  "online-access-removed", "block-added"]
    assert items[-1]["details"] == {"block_id": items[-1]["details"]["block_id"],
                                    "kind": "document", "document_id": document.id}


@pytest.mark.parametrize("language, heading, said", [
    ("nn", "Personvern og sperring", "Du har ingen sperringar."),
    ("en", "Privacy and blocking", "No blocks are set."),
])
def test_the_page_in_nynorsk_and_english(client, kari, language, heading, said):
    page = text(client.get(f"{PAGE}?lang={language}"))
    assert f"<h1>{heading}</h1>" in page and said in page


_FORM_TEXT = st.text(max_size=12) | st.sampled_from(["1", "²", "١٢", "0", "2147483648",
                                                     "883974832", "-1", " 1 "])


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(form=st.fixed_dictionaries({}, optional={
    name: _FORM_TEXT for name in ("kind", "organisation", "org_number", "document", "staff",
                                  "hpr_number")}) | st.fixed_dictionaries({
    "kind": st.sampled_from(["everything", "organisation", "document", "staff"])}, optional={
    name: _FORM_TEXT for name in ("organisation", "org_number", "document", "staff",
                                  "hpr_number")}))
def test_any_block_form_is_a_clear_answer_never_a_500(client, kari, form):
    answer = post(client, "/records/privacy/blocks", form)
    assert answer.status_code in (303, 422), (form, answer.status_code)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(form=st.fixed_dictionaries({}, optional={
    "national_id": _FORM_TEXT, "areas": st.sampled_from(["records", "x", ""]),
    "starts_on": _FORM_TEXT | st.sampled_from(["2026-03-02", "31.12.2026", "1.1.99999"]),
    "ends_on": _FORM_TEXT | st.sampled_from(["2026-12-31", "31.12.2026", "0.0.0", "1.2"])}))
def test_any_fullmakt_form_is_a_clear_answer_never_a_500(client, kari, form):
    answer = post(client, "/records/proxies", form, page="/records/proxies")
    assert answer.status_code in (303, 422), (form, answer.status_code)
