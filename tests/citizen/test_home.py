"""The front page, Min side with its tiles, the acting-for banner and the staff home."""

from datetime import date, timedelta

import pytest

from citizen.home import tiles
from services.actors import Actor
from services.clock import today_in_norway
from services.people.models import Area, Role
from services.people.service import record_guardianship
from tests.citizen.pages import csrf, sign_in_citizen, sign_in_staff, text
from tests.plugins.factories import make_organisation, make_person, make_staff


@pytest.mark.parametrize(("lang", "heading", "login"), [
    ("nb", "Min helse", "Logg inn som helsepersonell"),
    ("nn", "Mi helse", "Logg inn som helsepersonell"),
    ("en", "My health", "Log in as health personnel"),
])
def test_front_page_leads_citizens_and_staff_to_login(client, lang, heading, login):
    response = client.get(f"/?lang={lang}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in page and f"<h1>{heading}</h1>" in page
    assert 'href="/auth/login"' in page and 'href="/staff/auth/login"' in page
    assert login in page
    assert "<script" not in page


def test_a_logged_in_visitor_is_not_offered_login_again(client):
    sign_in_citizen(client, make_person())
    page = text(client.get("/"))
    assert "/auth/login" not in page and "/staff/auth/login" not in page
    assert 'href="/min-side"' in page and "Gå til Min side" in page


def test_min_side_shows_every_tile_with_its_empty_state(client):
    sign_in_citizen(client, make_person(given_name="Ingrid", family_name="Berg"))
    response = client.get("/min-side")
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Min side</h1>" in page
    assert "Logget inn som Ingrid Berg" in page
    # The questionnaires tile leads to her questionnaires (citizen/wound/tiles.py).
    assert '<h2 class="tile-title"><a href="/questionnaires">Spørreskjemaer</a></h2>' in page
    # The record tile leads to her documents (citizen/records/tiles.py).
    assert '<h2 class="tile-title"><a href="/records">Journalen min</a></h2>' in page
    # The appointments tile leads to her scans (citizen/ultrasound/tiles.py).
    assert '<h2 class="tile-title"><a href="/appointments">Timeavtaler</a></h2>' in page
    # The messages tile leads to the notification settings (citizen/notifications/tiles.py).
    assert ('<h2 class="tile-title"><a href="/settings/notifications">Meldinger og varsler'
            '</a></h2>') in page
    assert "Du har ingen timer. Når sykehuset setter opp en time til deg, ser du den her." in page
    assert "trenger oppmerksomheten din" not in page
    assert "acting-banner" not in page  # acting for oneself: no banner


def test_a_registered_tile_shows_what_needs_attention(client, monkeypatch):
    monkeypatch.setattr(tiles, "_tiles", dict(tiles._tiles))  # put the registry back after
    tiles.register_tile(tiles.Tile("questionnaires", "Spørreskjema", empty="Ingen",
                                   empty_for_other="Ingen", area=Area.QUESTIONNAIRES,
                                   attention=lambda representation: 2))
    sign_in_citizen(client, make_person())
    page = text(client.get("/min-side"))
    assert "2 ting trenger oppmerksomheten din" in page
    assert page.index("Timeavtaler") < page.index("Spørreskjema")  # replaced in place


@pytest.fixture
def parent_and_teen(client):
    parent = make_person(date(1984, 1, 1), given_name="Kari", family_name="Nordmann")
    teen = make_person(today_in_norway().replace(year=today_in_norway().year - 14)
                       - timedelta(days=30), given_name="Sofie", family_name="Nordmann")
    record_guardianship(guardian=parent, child=teen, shares_address=True,
                        actor=Actor.operator("test"))
    sign_in_citizen(client, parent)
    return parent, teen


def test_choosing_someone_lands_on_min_side_with_a_banner_and_a_way_back(client,
                                                                          parent_and_teen):
    parent, teen = parent_and_teen
    chose = client.post("/acting-for", data={"person_id": teen.id,
                                             "csrf_token": csrf(text(client.get("/acting-for")))})
    assert chose.status_code == 303 and chose.headers["Location"] == "/min-side"

    home = text(client.get("/min-side"))
    assert '<div class="notice notice-success" role="status">' in home
    assert "Nå representerer du Sofie Nordmann." in home
    assert "Du representerer Sofie Nordmann" in home  # the banner
    assert "Her er tjenestene for Sofie Nordmann." in home
    # A parent of a 14-year-old has no access to the record: no tile for it.
    assert "Journalen min" not in home and "Timeavtaler" in home
    # Empty states speak of the child's services, not the parent's own.
    assert "Det er ingen timer. Når sykehuset setter opp en time, ser du den her." in home
    assert "en time til deg" not in home
    assert f'name="person_id" value="{parent.id}"' in home

    again = text(client.get("/contact"))  # on every page, not just Min side
    assert "Du representerer Sofie Nordmann" in again

    back = client.post("/acting-for", data={"person_id": parent.id, "csrf_token": csrf(home)})
    assert back.status_code == 303 and back.headers["Location"] == "/min-side"
    home = text(client.get("/min-side"))
    assert "Nå bruker du tjenestene for deg selv." in home
    assert "acting-banner" not in home and "Journalen min" in home
    assert "Du har ingen timer. Når sykehuset setter opp en time til deg" in home


def test_staff_land_on_a_staff_home_with_their_organisation_and_entry_points(client):
    trust = make_organisation()
    nurse = make_staff(trust, Role.INFECTION_CONTROL, name="Siri Smittevern")
    sign_in_staff(client, nurse, trust)
    response = client.get("/staff")
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Startside for ansatte</h1>" in page
    assert "St. Olavs hospital HF" in page and "Smittevern" in page
    assert "Oppfølging av sårinfeksjon" in page
    assert "Ultralydtimer" not in page  # not their role
    assert "Logget inn som Siri Smittevern" in page
    assert 'action="/staff/auth/logout"' in page
    front = text(client.get("/"))
    assert "/staff/auth/login" not in front and 'href="/staff"' in front


def test_a_citizen_is_not_let_into_the_staff_home_nor_staff_into_min_side(client):
    sign_in_citizen(client, make_person())
    assert client.get("/staff").headers["Location"].startswith("/staff/auth/login")
