"""The worklist's filters are one rule on both surfaces (``worklist_query.filters_of``):
the page (``?from=&to=`` as people write days, ``after=``) and the API
(``?operated_from=&operated_to=`` as ISO days, ``cursor=``) refuse the same things at the
same field, each in its own way: the page a 422 form with the error at the field and what
was typed kept, the API a 422 problem naming the field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest

from citizen.api.paging import encode_cursor
from citizen.wound_staff import worklist_query
from services.db import db
from services.people.service import add_organisation
from services.wound.models import CaseState as S
from services.wound.worklist import Filters
from tests.citizen.pages import text
from tests.plugins.factories import make_organisation, make_person
from tests.services.wound.factories import OPERATED, make_case

pytestmark = pytest.mark.usefixtures("weeks_later")
#: The factories' operation day, 2 March 2026 in Norway.
DAY = date(2026, 3, 2)


@dataclass
class Answer:
    status: int
    ids: list[int]
    #: The fields the answer says are wrong, by the rule's names (from, to, unit ...).
    errors: set[str]
    body: str


@dataclass
class Surface:
    """One way of asking for the worklist, and of reading the answer."""

    client: object
    path: str
    names: dict[str, str]
    write_day: object

    def ask(self, **filters) -> Answer:
        query = {self.names.get(name, name): self.write_day(value)
                 if isinstance(value, date) else value for name, value in filters.items()}
        answer = self.client.get(f"{self.path}?{urlencode(query)}")
        back = {spelt: name for name, spelt in self.names.items()}
        if self.path.startswith("/api/"):
            data = answer.get_json()
            return Answer(answer.status_code, [item["id"] for item in data.get("items", [])],
                          {back.get(f, f) for f in data.get("errors", {})},
                          answer.get_data(as_text=True))
        page = text(answer)
        return Answer(answer.status_code,
                      [int(n) for n in re.findall(r'href="/staff/ssi/cases/(\d+)"', page)],
                      {back.get(f, f) for f in re.findall(r'id="([a-z]+)-error"', page)},
                      page)


@pytest.fixture(params=["page", "api"])
def surface(request) -> Surface:
    if request.param == "page":
        return Surface(request.getfixturevalue("nurse_client"), "/staff/ssi/worklist",
                       {"cursor": "after"}, lambda d: f"{d.day}.{d.month}.{d.year}")
    return Surface(request.getfixturevalue("nurse_api"), "/api/v1/staff/ssi/worklist",
                   {"from": "operated_from", "to": "operated_to"}, date.isoformat)


def _case(hospital, state=S.TRIAGED, *, day: date = DAY, **fields):
    return make_case(make_person(), hospital, state=state,
                     performed_at=OPERATED + (day - DAY), **fields)


# A period


def test_a_period_of_one_day_is_that_day(surface, hospital):
    before, on, after = (_case(hospital, day=DAY + timedelta(days=n)) for n in (-1, 0, 1))
    assert surface.ask(**{"from": DAY, "to": DAY}).ids == [on.id]
    assert set(surface.ask(**{"from": DAY}).ids) == {on.id, after.id}
    assert set(surface.ask(to=DAY).ids) == {before.id, on.id}


def test_a_period_reversed_by_a_day_is_422_at_its_last_day(surface, hospital):
    _case(hospital)
    answer = surface.ask(**{"from": DAY, "to": DAY - timedelta(days=1)})
    assert answer.status == 422 and answer.errors == {"to"} and answer.ids == []


def test_the_page_keeps_what_was_typed_and_says_why(nurse_client):
    answer = nurse_client.get("/staff/ssi/worklist?from=10.3.2026&to=2026-03-01")
    page = text(answer)
    assert answer.status_code == 422
    assert 'value="10.3.2026"' in page and 'value="2026-03-01"' in page
    assert "Den siste dagen kan ikke være før den første." in page


def test_the_page_reads_iso_days_too(nurse_client, hospital):
    on = _case(hospital)
    _case(hospital, day=DAY + timedelta(days=1))
    page = text(nurse_client.get("/staff/ssi/worklist?from=2026-03-02&to=2026-03-02"))
    assert re.findall(r'href="/staff/ssi/cases/(\d+)"', page) == [str(on.id)]


def test_the_api_says_which_field_and_why(nurse_api):
    answer = nurse_api.get("/api/v1/staff/ssi/worklist?operated_from=2026-03-10"
                           "&operated_to=2026-03-01&unit=7&state=asleep&category=NOPE")
    assert answer.status_code == 422
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.get_json()["errors"] == {
        "operated_to": ["must not be before operated_from"],
        "unit": ["not a unit of the staff member's hospital"],
        "state": ["not a case state"],
        "category": ["not a category of the procedure catalogue"]}


# A unit


def test_a_unit_of_the_hospital_filters(surface, hospital):
    unit = add_organisation(name="Kirurgisk klinikk", org_number="974749025", parent=hospital)
    in_unit, other = _case(hospital), _case(hospital)
    in_unit.operation.unit_id = unit.id
    db.session.commit()
    answer = surface.ask(unit=unit.id)
    assert answer.status == 200 and answer.ids == [in_unit.id] and other.id not in answer.ids


def test_a_unit_of_another_hospital_is_unknown(surface, hospital):
    elsewhere = make_organisation(name="Helse Nord", org_number="983974899")
    their_unit = add_organisation(name="Ortopedisk avdeling", org_number="974749025",
                                  parent=elsewhere)
    case = _case(elsewhere)
    case.operation.unit_id = their_unit.id
    db.session.commit()
    for unit in (their_unit.id, elsewhere.id, 99999):
        answer = surface.ask(unit=unit)
        assert answer.status == 422 and answer.errors == {"unit"} and answer.ids == []


@pytest.mark.parametrize("unit", ["abc", "-1", "1.5"])
def test_a_unit_that_is_no_number_is_422_at_unit(surface, unit):
    answer = surface.ask(unit=unit)
    assert answer.status == 422 and answer.errors == {"unit"}


def test_the_hospital_itself_is_not_one_of_its_units(surface, hospital):
    answer = surface.ask(unit=hospital.id)
    assert answer.status == 422 and answer.errors == {"unit"}


# A state


@pytest.mark.parametrize("state", [S.CLOSED, S.LOST, S.SCHEDULED])
def test_a_state_that_is_not_open_lists_its_cases(surface, hospital, state):
    shut = _case(hospital, state)
    _case(hospital, S.TRIAGED)
    answer = surface.ask(state=state.value)
    assert answer.status == 200 and answer.ids == [shut.id]


def test_without_a_state_the_open_cases(surface, hospital):
    _case(hospital, S.CLOSED)
    _case(hospital, S.LOST)
    _case(hospital, S.SCHEDULED)
    open_ = _case(hospital, S.AWAITING_INFORMATION)
    assert surface.ask().ids == [open_.id]


@pytest.mark.parametrize("state", ["open", "CLOSED", "lost"])
def test_a_state_that_is_none_is_422_at_state(surface, state):
    answer = surface.ask(state=state)
    assert answer.status == 422 and answer.errors == {"state"}


# A cursor


@pytest.mark.parametrize("cursor", [
    encode_cursor([4, 0, "2026-03-02T08:00:00+00:00", 1]),  # no rank after waiting's
    encode_cursor([-1, 0, "2026-03-02T08:00:00+00:00", 1]),
    encode_cursor([0, 0, "2026-03-02T08:00:00+00:00", 0]),  # no case 0
    encode_cursor([0, 2**15, "2026-03-02T08:00:00+00:00", 1]),  # a SMALLINT's score
    encode_cursor([0, -2**15 - 1, "2026-03-02T08:00:00+00:00", 1]),
    encode_cursor([0, 0, "2026-03-02T08:00:00+00:00", 2**31]),
    encode_cursor([0, 0, "2026-03-02", 1]),
    "not a cursor"])
def test_a_cursor_the_worklist_did_not_give_out_is_400(surface, hospital, cursor):
    _case(hospital)
    assert surface.ask(cursor=cursor).status == 400


def test_a_cursor_at_the_edges_of_the_order_is_a_place(surface, hospital):
    for cursor in ([0, -2**15, "2026-03-02T08:00:00+00:00", 2**31 - 1],
                   [0, 2**15 - 1, "2026-03-02T08:00:00+01:00", 1],
                   [3, 0, "2026-03-02T08:00:00+00:00", 1]):
        assert surface.ask(cursor=encode_cursor(cursor)).status == 200


# The rule on its own


def test_no_filters_are_no_filters_and_ask_for_no_units():
    def units():
        raise AssertionError("the units are looked up only for a unit filter")

    assert worklist_query.filters_of(category=None, first=None, last=None, unit=None,
                                     state=None, units=units) == Filters()


def test_the_rule_names_every_bad_field_with_the_surfaces_own():
    with pytest.raises(worklist_query.FilterError) as refused:
        worklist_query.filters_of(category="NOPE", first=DAY, last=DAY - timedelta(days=1),
                                  unit=5, state="asleep", units=lambda: {4},
                                  errors={"from": "bad_day"})
    assert refused.value.errors == {"from": "bad_day", "category": "unknown_category",
                                    "to": "reversed", "unit": "unknown_unit",
                                    "state": "unknown_state"}
