"""Min side's questionnaires tile: the open questionnaire, its last day, the way to it."""

from __future__ import annotations

import pytest

from services.wound.models import CaseState
from tests.citizen.pages import sign_in_citizen, text
from tests.citizen.wound.filling import NOTHING, answer_all, open_case, post_page
from tests.plugins.clock import T0
from tests.plugins.factories import make_organisation, make_person


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def ola(hospital, client):
    person = make_person(given_name="Ola", family_name="Hansen")
    sign_in_citizen(client, person)
    return person


def tile(client) -> str:
    page = text(client.get("/min-side"))
    start = page.index('<a href="/questionnaires">Spørreskjemaer</a>')
    return page[start:page.index("</li>", start)]


def test_an_open_questionnaire_shows_its_last_day_and_leads_to_it(client, ola, hospital):
    case = open_case(ola, hospital)
    shown = tile(client)
    assert "1 ting trenger oppmerksomheten din" in shown
    assert "Spørsmål etter operasjonen. Svar innen 15. mars 2026." in shown
    assert f'<a href="/questionnaires/{case.id}">Svar på spørsmålene</a>' in shown
    assert "Du har ingen spørreskjema" not in shown


def test_a_started_one_is_continued_and_a_late_one_may_still_be_answered(client, ola,
                                                                         hospital,
                                                                         frozen_clock):
    case = open_case(ola, hospital)
    post_page(client, case, 1, NOTHING, action="later")
    assert f'<a href="/questionnaires/{case.id}">Svar videre</a>' in tile(client)
    frozen_clock.move_to(T0.replace(day=16))  # the day after her last day
    sign_in_citizen(client, ola)  # days later: a new session
    shown = tile(client)
    assert "Spørsmål etter operasjonen. Du kan fortsatt svare." in shown
    on_the_last_day = T0.replace(day=15, hour=22)  # 23:00 in Oslo on 15 March
    frozen_clock.move_to(on_the_last_day)
    sign_in_citizen(client, ola)
    assert "Svar innen 15. mars 2026." in tile(client)


def test_nothing_open_shows_the_empty_tile(client, ola, hospital, notify_rules):
    open_case(ola, hospital, state=CaseState.SCHEDULED, invited_at=None)
    assert "Du har ingen spørreskjema å svare på." in tile(client)
    case = open_case(ola, hospital)
    answer_all(client, case)
    shown = tile(client)
    assert "Du har ingen spørreskjema å svare på." in shown
    assert "oppmerksomheten" not in shown
