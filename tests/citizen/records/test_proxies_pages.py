"""The proxies page: give, scope, time-limit and revoke a fullmakt; the lists both ways; a
12–15-year-old withholds and releases; the rules in plain language. And the clock: a
fullmakt that lapses mid-session ends at once, a child's 12th and 16th birthdays change
a parent's access that day, a confidential address refuses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from services.actors import Actor
from services.clock import today_in_norway
from services.db import db
from services.people.models import AddressProtection, Area, Fullmakt, GuardianRestriction
from services.people.service import (
    grant_fullmakt,
    national_id_of,
    record_guardianship,
    revoke_fullmakt,
)
from tests.citizen.pages import csrf, sign_in_citizen, text
from tests.plugins.api import log_in_as
from tests.plugins.factories import make_organisation, make_person
from tests.services.records.factories import make_document

PAGE = "/records/proxies"


@pytest.fixture
def giver(db, frozen_clock, client):
    person = make_person(date(1950, 4, 4), given_name="Gunn", family_name="Giver")
    sign_in_citizen(client, person)
    return person


@pytest.fixture
def holder(db):
    return make_person(date(1975, 1, 1), given_name="Hans", family_name="Holder")


def post(client, path: str, data: dict):
    token = csrf(text(client.get(PAGE)))
    return client.post(path, data={**data, "csrf_token": token})


def fullmakter(giver):
    return list(db.session.scalars(sa.select(Fullmakt).where(Fullmakt.giver_id == giver.id)))


def test_the_page_shows_the_rules_in_plain_language(client, giver):
    page = text(client.get(PAGE))
    assert "<h1>Fullmakt og tilgang</h1>" in page
    for said in ("Ingen kan handle på dine vegne.",
                 "kan se alt for et barn under 12 år",
                 "Fra 12 til 15 år er helsejournalen barnets egen",
                 "Fra 16 år kan foreldrene ikke lenger handle på vegne av barnet",
                 "Du kan gi fullmakt fra du er 16 år, til noen som er minst 18",
                 "Den slutter å gjelde med en gang",
                 "En person med fortrolig adresse"):
        assert said in page, said


def test_give_a_fullmakt_then_revoke_it(client, giver, holder):
    number = national_id_of(holder)
    answer = post(client, PAGE, {"national_id": f"{number[:6]} {number[6:]}",
                                 "areas": ["records", "appointments"],
                                 "starts_on": "", "ends_on": "31.12.2026"})
    assert answer.status_code == 303
    page = text(client.get(PAGE))
    assert "Fullmakten er gitt." in page
    assert "Hans Holder" in page and "Gjelder: Pasientjournal, Timeavtaler" in page
    assert "Fra 2. mars 2026 til og med 31. desember 2026" in page
    [fullmakt] = fullmakter(giver)
    assert (fullmakt.recipient_id, sorted(fullmakt.areas), fullmakt.starts_on,
            fullmakt.ends_on) == (holder.id, ["appointments", "records"], date(2026, 3, 2),
                                  date(2026, 12, 31))
    assert post(client, f"{PAGE}/{fullmakt.id}/revoke", {}).status_code == 303
    assert "Du har tatt fullmakten tilbake." in text(client.get(PAGE))
    assert fullmakter(giver)[0].revoked_at is not None


def test_the_holder_sees_whom_she_acts_for(client, giver, holder):
    grant_fullmakt(giver=giver, recipient=holder, areas=[Area.RECORDS],
                   starts_on=today_in_norway(), ends_on=today_in_norway() + timedelta(days=9),
                   actor=Actor.person(giver.id))
    db.session.commit()
    sign_in_citizen(client, holder)
    page = text(client.get(PAGE))
    assert "Gunn Giver" in page and "Fullmakt" in page and "Kan se: Pasientjournal" in page
    # Not hers to revoke: the giver's alone.
    [fullmakt] = fullmakter(giver)
    assert post(client, f"{PAGE}/{fullmakt.id}/revoke", {}).status_code == 404
    assert fullmakter(giver)[0].revoked_at is None


@pytest.mark.parametrize("data, field, message", [
    ({"areas": ["records"], "ends_on": "31.12.2026"}, "national_id",
     "Skriv fødselsnummeret eller D-nummeret (11 sifre)."),
    ({"national_id": "12345678901", "areas": ["records"], "ends_on": "31.12.2026"},
     "national_id", "Dette er ikke et gyldig fødselsnummer eller D-nummer."),
    ({"national_id": "HOLDER", "ends_on": "31.12.2026"}, "areas", "Velg minst ett område."),
    ({"national_id": "HOLDER", "areas": ["everything"], "ends_on": "31.12.2026"}, "areas",
     "Velg minst ett område."),
    ({"national_id": "HOLDER", "areas": ["records"]}, "ends_on", "Skriv den siste dagen"),
    ({"national_id": "HOLDER", "areas": ["records"], "ends_on": "31.02.2026"}, "ends_on",
     "Skriv den siste dagen"),
    ({"national_id": "HOLDER", "areas": ["records"], "starts_on": "1.3.2026",
      "ends_on": "1.4.2026"}, "starts_on", "Fullmakten kan ikke begynne før i dag."),
    ({"national_id": "HOLDER", "areas": ["records"], "starts_on": "x",
      "ends_on": "1.4.2026"}, "starts_on", "Skriv datoen som dag.måned.år"),
    ({"national_id": "HOLDER", "areas": ["records"], "starts_on": "10.3.2026",
      "ends_on": "9.3.2026"}, "ends_on", "Den siste dagen kan ikke være før den første."),
    ({"national_id": "HOLDER", "areas": ["records"], "ends_on": "3.3.2036"}, "ends_on",
     "En fullmakt kan vare i høyst 10 år."),
    ({"national_id": "SELF", "areas": ["records"], "ends_on": "31.12.2026"}, "national_id",
     "Du kan ikke gi fullmakt til deg selv."),
    ({"national_id": "UNKNOWN", "areas": ["records"], "ends_on": "31.12.2026"}, "national_id",
     "En fullmakt kan ikke gis til denne personen her."),
    ({"national_id": "PROTECTED", "areas": ["records"], "ends_on": "31.12.2026"},
     "national_id", "En fullmakt kan ikke gis til denne personen her."),
    ({"national_id": "CHILD", "areas": ["records"], "ends_on": "31.12.2026"}, "national_id",
     "Den som får fullmakt, må være minst 18 år."),
])
def test_a_fullmakt_that_cannot_be_given_is_explained_on_the_form(client, giver, holder,
                                                                  data, field, message):
    from tests.plugins.factories import national_id_for

    protected = make_person(date(1980, 2, 2), address_protection=AddressProtection.STRICT)
    child = make_person(date(2010, 2, 2))
    numbers = {"HOLDER": national_id_of(holder), "SELF": national_id_of(giver),
               "PROTECTED": national_id_of(protected), "CHILD": national_id_of(child),
               "UNKNOWN": national_id_for(date(1990, 9, 9), 399)}
    data = {**data, "national_id": numbers.get(data.get("national_id"),
                                               data.get("national_id", ""))}
    answer = post(client, PAGE, data)
    assert answer.status_code == 422
    page = text(answer)
    assert message in page and f'href="#{field}"' in page
    assert fullmakter(giver) == []


def test_a_confidential_address_is_not_told_apart_from_an_unknown_number(client, giver):
    protected = make_person(date(1980, 2, 2), address_protection=AddressProtection.CONFIDENTIAL)
    answer = post(client, PAGE, {"national_id": national_id_of(protected),
                                 "areas": ["records"], "ends_on": "31.12.2026"})
    assert "fortrolig" not in text(answer).split("<h2 id=\"rules\">")[0]


def test_a_giver_with_a_confidential_address_cannot_give(client, db, frozen_clock, holder):
    protected = make_person(date(1960, 2, 2), address_protection=AddressProtection.STRICT)
    sign_in_citizen(client, protected)
    answer = post(client, PAGE, {"national_id": national_id_of(holder),
                                 "areas": ["records"], "ends_on": "31.12.2026"})
    assert answer.status_code == 422
    assert "En fullmakt kan ikke gis til denne personen her." in text(answer)


def test_acting_for_someone_else_the_page_changes_nothing(client, giver, holder):
    grant_fullmakt(giver=giver, recipient=holder, areas=[Area.RECORDS],
                   starts_on=today_in_norway(), ends_on=today_in_norway() + timedelta(days=9),
                   actor=Actor.person(giver.id))
    db.session.commit()
    log_in_as(client, holder, acting_for=giver)
    page = text(client.get(PAGE))
    assert "Du representerer Gunn Giver" in page
    stranger = make_person(date(1970, 7, 7))
    answer = post(client, PAGE, {"national_id": national_id_of(stranger),
                                 "areas": ["records"], "ends_on": "31.12.2026"})
    assert answer.status_code == 403
    assert len(fullmakter(giver)) == 1


# -- the clock ---------------------------------------------------------------------------

def test_a_fullmakt_that_lapses_mid_session_ends_at_once(client, giver, holder, frozen_clock):
    hospital = make_organisation()
    make_document(giver, hospital, title="Epikrise")
    grant_fullmakt(giver=giver, recipient=holder, areas=[Area.RECORDS],
                   starts_on=today_in_norway(), ends_on=today_in_norway() + timedelta(days=2),
                   actor=Actor.person(giver.id))
    db.session.commit()
    frozen_clock.move_to("2026-03-04T22:40:00+00:00")  # 23:40 in Oslo on its last day
    log_in_as(client, holder, acting_for=giver)
    assert client.get("/records/privacy").status_code == 200
    # 23:59: still in force.
    frozen_clock.move_to("2026-03-04T22:59:00+00:00")
    assert client.get("/records/privacy").status_code == 200
    # A minute later, in the same session: the next request acts for herself.
    frozen_clock.move_to("2026-03-04T23:00:00+00:00")
    page = text(client.get("/records/privacy"))
    assert "Hva Gunn Giver holder unna hvem." not in page
    assert "Du bestemmer hvem som kan se journalen din." in page
    answer = client.get("/api/v1/blocks")
    assert answer.status_code == 200 and answer.get_json()["items"] == []


def test_a_revoked_fullmakt_ends_the_holders_next_request(client, giver, holder):
    fullmakt = grant_fullmakt(giver=giver, recipient=holder, areas=[Area.RECORDS],
                              starts_on=today_in_norway(),
                              ends_on=today_in_norway() + timedelta(days=30),
                              actor=Actor.person(giver.id))
    db.session.commit()
    log_in_as(client, holder, acting_for=giver)
    assert "Hva Gunn Giver holder unna hvem." in text(client.get("/records/privacy"))
    revoke_fullmakt(fullmakt_id=fullmakt.id, actor=Actor.person(giver.id))  # elsewhere
    db.session.commit()
    assert "Hva Gunn Giver" not in text(client.get("/records/privacy"))
    # Her own history now, not the giver's.
    assert [item["change"] for item in client.get("/api/v1/consent-history").get_json()[
        "items"]] == ["fullmakt-revoked-by-giver", "fullmakt-received"]


@pytest.fixture
def family(db, frozen_clock):
    """A parent, and a child who turns 12 on 2026-03-03 and 16 on 2026-03-04 (twins of
    sorts: two children, one per birthday)."""
    parent = make_person(date(1980, 1, 1), given_name="Forelder")
    turning_12 = make_person(date(2014, 3, 3), given_name="Tolv")
    turning_16 = make_person(date(2010, 3, 4), given_name="Seksten")
    for child in (turning_12, turning_16):
        record_guardianship(guardian=parent, child=child, shares_address=True,
                            actor=Actor.system("hospital"))
    db.session.commit()
    return parent, turning_12, turning_16


def test_a_parents_record_access_ends_on_the_12th_birthday(client, family, frozen_clock):
    parent, child, _ = family
    frozen_clock.move_to("2026-03-02T22:59:00+00:00")  # 23:59 the day before, in Oslo
    log_in_as(client, parent, acting_for=child)
    assert client.get("/records/privacy").status_code == 200
    frozen_clock.move_to("2026-03-02T23:00:00+00:00")  # midnight: the birthday
    assert client.get("/records/privacy").status_code == 403
    assert client.get("/api/v1/blocks").status_code == 403
    assert client.get("/api/v1/consent-history").status_code == 403


def test_a_parents_access_ends_on_the_16th_birthday(client, family, frozen_clock):
    parent, _, child = family
    frozen_clock.move_to("2026-03-03T22:59:00+00:00")
    log_in_as(client, parent, acting_for=child)
    page = text(client.get("/records/proxies"))
    assert "Du representerer Seksten" in page
    frozen_clock.move_to("2026-03-03T23:00:00+00:00")
    page = text(client.get("/records/proxies"))
    assert "Du representerer" not in page and "Hvem som kan handle på dine vegne" in page


def test_a_teen_withholds_and_releases_from_parents(client, family, frozen_clock):
    _parent, child, _ = family
    frozen_clock.move_to("2026-03-03T09:00:00+00:00")  # she is 12 today
    sign_in_citizen(client, child)
    page = text(client.get(PAGE))
    assert "Hva foreldrene dine kan se" in page
    assert "Forelder" in page and "Kan se: Spørreskjemaer, Timeavtaler" in page
    assert post(client, f"{PAGE}/parents", {"area": "appointments",
                                            "action": "withhold"}).status_code == 303
    page = text(client.get(PAGE))
    assert "Foreldrene dine kan ikke lenger se Timeavtaler." in page
    assert "Kan se: Spørreskjemaer</p>" in page
    assert db.session.scalars(sa.select(GuardianRestriction.area).where(
        GuardianRestriction.child_id == child.id)).all() == [Area.APPOINTMENTS]
    assert post(client, f"{PAGE}/parents", {"area": "appointments",
                                            "action": "release"}).status_code == 303
    assert "Foreldrene dine kan se Timeavtaler igjen." in text(client.get(PAGE))
    # Records are hers from 12: nothing to withhold; a made-up area is refused.
    assert post(client, f"{PAGE}/parents", {"area": "records",
                                            "action": "withhold"}).status_code == 422
    assert post(client, f"{PAGE}/parents", {"area": "appointments",
                                            "action": "hide"}).status_code == 422


def test_an_adult_or_a_child_under_12_cannot_withhold(client, family, frozen_clock):
    _parent, child, _ = family
    sign_in_citizen(client, child)  # 11 on T0
    assert "Hva foreldrene dine kan se" not in text(client.get(PAGE))
    for action in ("withhold", "release"):
        assert post(client, f"{PAGE}/parents", {"area": "appointments",
                                                "action": action}).status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuardianRestriction)) == 0


@pytest.mark.parametrize("language, said", [("nn", "Kven som kan handle på dine vegner"),
                                            ("en", "Who can act for you")])
def test_the_page_in_nynorsk_and_english(client, giver, language, said):
    assert said in text(client.get(f"{PAGE}?lang={language}"))
