"""The worklist page: its groups in the order they are worked, why each case is there, the
filters (and their errors), the counts as links, keyset pages and a cursor that is not
one, the audit, and who may see it."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citizen.api.paging import encode_cursor
from citizen.wound_staff import worklist_page
from services.audit.models import AuditEvent
from services.db import db
from services.people.models import Role
from services.people.service import add_organisation
from services.wound.models import CaseState as S
from tests.citizen.pages import sign_in_citizen, sign_in_staff, text
from tests.plugins.clock import T0
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.wound.factories import make_case

pytestmark = pytest.mark.usefixtures("frozen_clock")
URL = "/staff/ssi/worklist"


def _case(hospital, state, *, days_ago=30, given_name="Pasient", **fields):
    return make_case(make_person(given_name=given_name), hospital, state=state,
                     performed_at=T0 - timedelta(days=days_ago), **fields)


def _reads() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.resource_type == "WoundFollowUp", AuditEvent.action == "read"))


def test_the_groups_in_order_with_why_each_is_there(nurse_client, hospital):
    waiting = _case(hospital, S.INVITED, given_name="Venter", invited_at=T0)
    rest = _case(hospital, S.UNDER_REVIEW, given_name="Resten", days_ago=40)
    call = _case(hospital, S.NON_RESPONDER, given_name="Ringes",
                 invited_at=T0 - timedelta(days=20))
    flagged = _case(hospital, S.ANSWERED, given_name="Flagget", flagged=True, triage_score=6,
                    answered_at=T0, red_flags=["pus"])

    answer = nurse_client.get(URL)
    page = text(answer)

    assert answer.status_code == 200
    headings = re.findall(r'<h2 id="([a-z-]+)">', page)
    assert headings == ["counts-heading", "flagged", "to-call", "rest", "waiting"]
    order = [int(n) for n in re.findall(r'href="/staff/ssi/cases/(\d+)"', page)]
    assert order == [flagged.id, call.id, rest.id, waiting.id]
    assert "Tykk, gul eller grønn væske (puss) fra såret" in page  # the questionnaire's words
    assert "Poengsum 6" in page and "20 dager uten svar" in page
    assert "Keisersnitt" in page and "Dag 30" in page
    assert "Til vurdering" in page  # the state
    assert _reads() == 4  # one per patient shown


def test_the_counts_are_links_that_filter(nurse_client, hospital):
    _case(hospital, S.NON_RESPONDER, invited_at=T0 - timedelta(days=20))
    _case(hospital, S.NON_RESPONDER, invited_at=T0 - timedelta(days=21))
    _case(hospital, S.ANSWERED, flagged=True, triage_score=6, answered_at=T0)
    page = text(nurse_client.get(URL))
    assert 'href="/staff/ssi/worklist?state=non_responder">Ikke svart: 2</a>' in page
    assert 'href="/staff/ssi/worklist#flagged">Flaggede svar: 1</a>' in page
    filtered = text(nurse_client.get(URL + "?state=non_responder"))
    assert len(re.findall(r'href="/staff/ssi/cases/\d+"', filtered)) == 2
    assert 'aria-current="page">Ikke svart: 2' in filtered


def test_filters_by_category_days_and_state(nurse_client, hospital):
    csec = _case(hospital, S.TRIAGED, days_ago=30)
    colo = make_case(make_person(), hospital, state=S.TRIAGED, category="COLO",
                     performed_at=T0 - timedelta(days=10))
    page = text(nurse_client.get(URL + "?category=colo"))
    assert f"/staff/ssi/cases/{colo.id}\"" in page and f"/cases/{csec.id}\"" not in page
    operated = (T0 - timedelta(days=30)).date()
    day = f"{operated.day}.{operated.month}.{operated.year}"
    page = text(nurse_client.get(f"{URL}?from={day}&to={day}"))
    assert f"/cases/{csec.id}\"" in page and f"/cases/{colo.id}\"" not in page
    assert f'value="{day}"' in page  # the form shows the filter again
    page = text(nurse_client.get(URL + "?state=classified"))
    assert "Det er ingen saker å vise." in page


@pytest.mark.parametrize("query, field", [
    ("from=31.02.2026", "from"), ("to=not-a-day", "to"),
    ("from=10.03.2026&to=01.03.2026", "to"), ("category=NOPE", "category"),
    ("state=asleep", "state"), ("unit=99999", "unit"),
])
def test_a_bad_filter_is_an_error_at_its_field(nurse_client, hospital, query, field):
    answer = nurse_client.get(f"{URL}?{query}")
    assert answer.status_code == 422
    assert f'id="{field}-error"' in text(answer) and 'href="#' + field in text(answer)


def test_the_unit_filter(nurse_client, hospital):
    unit = add_organisation(name="Kirurgisk klinikk", org_number="974749025", parent=hospital)
    in_unit = _case(hospital, S.TRIAGED)
    in_unit.operation.unit_id = unit.id
    other = _case(hospital, S.TRIAGED)
    db.session.commit()
    page = text(nurse_client.get(f"{URL}?unit={unit.id}"))
    assert "Kirurgisk klinikk" in page
    assert f"/cases/{in_unit.id}\"" in page and f"/cases/{other.id}\"" not in page


def test_paging_carries_the_cursor_and_the_filters(nurse_client, hospital, monkeypatch):
    monkeypatch.setattr(worklist_page, "PAGE_SIZE", 2)
    made = [_case(hospital, S.TRIAGED, days_ago=30 + n) for n in range(5)]
    seen, url = [], URL + "?state=triaged"
    while url:
        page = text(nurse_client.get(url))
        seen += [int(n) for n in re.findall(r'href="/staff/ssi/cases/(\d+)"', page)]
        found = re.search(r'href="([^"]+)" rel="next"', page)
        url = found.group(1).replace("&amp;", "&") if found else None
        if url:
            assert "state=triaged" in url and "after=" in url
    assert seen == [c.id for c in made]
    assert "Første side" in page


@pytest.mark.parametrize("cursor", [
    "garbage", "%00", "W10", encode_cursor([0, 0, "2026-03-02T08:00:00", 1]),
    encode_cursor([9, 0, "2026-03-02T08:00:00+00:00", 1]),
    encode_cursor([0, 0, "2026-03-02T08:00:00+00:00", 2**40]),
    encode_cursor([True, 0, "2026-03-02T08:00:00+00:00", 1]),
    "A" * 500,
])
def test_a_cursor_this_list_did_not_give_is_400(nurse_client, hospital, cursor):
    assert nurse_client.get(f"{URL}?after={cursor}").status_code == 400


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(
    st.sampled_from(["after", "from", "to", "category", "unit", "state", "other"]),
    st.one_of(st.text(max_size=60), st.sampled_from([
        encode_cursor([1, 5, "0001-01-01T00:00:00+23:59", 0]),
        encode_cursor([3, -2**31, "9999-12-31T23:59:59-23:59", 7])]))))
def test_no_query_string_is_a_500(nurse_client, hospital, query):
    path = URL + "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items())
    assert nurse_client.get(path).status_code in (200, 400, 422)


def test_another_hospitals_cases_are_not_listed(nurse_client, hospital):
    elsewhere = make_organisation(name="Helse Nord", org_number="974749025")
    theirs = _case(elsewhere, S.ANSWERED, flagged=True, triage_score=9, answered_at=T0)
    page = text(nurse_client.get(URL))
    assert f"/cases/{theirs.id}\"" not in page and "Flaggede svar: 0" in page


def test_without_the_role_403(client, hospital):
    sign_in_staff(client, make_staff(hospital, Role.ULTRASOUND_CLINIC), hospital)
    assert client.get(URL).status_code == 403


def test_a_citizen_is_sent_to_the_staff_login(client, hospital):
    sign_in_citizen(client, make_person())
    answer = client.get(URL)
    assert answer.status_code == 302 and "/staff" in answer.headers["Location"]


def test_the_staff_home_shows_the_counts(nurse_client, hospital):
    _case(hospital, S.ANSWERED, flagged=True, triage_score=6, answered_at=T0)
    _case(hospital, S.NON_RESPONDER, invited_at=T0 - timedelta(days=20))
    _case(hospital, S.UNDER_REVIEW)
    _case(hospital, S.AWAITING_INFORMATION)
    page = text(nurse_client.get("/staff"))
    assert 'href="/staff/ssi/worklist">Oppfølging av sårinfeksjon</a>' in page
    assert 'href="/staff/ssi/worklist#flagged">Flaggede svar: 1</a>' in page
    assert 'href="/staff/ssi/worklist?state=non_responder">Pasienter å ringe: 1</a>' in page
    assert 'href="/staff/ssi/worklist?state=under_review">Til vurdering: 1</a>' in page
    assert ('href="/staff/ssi/worklist?state=awaiting_information">'
            'Venter på opplysninger: 1</a>') in page
    assert "Denne siden er ikke klar ennå" not in page
