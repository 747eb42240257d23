"""Whatever a page of the wound form is sent, the answer is a clear one (on, or the page
again with its errors), never a 500; and sending is refused or taken, never broken."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.citizen.pages import csrf, sign_in_citizen, text
from tests.citizen.wound.filling import open_case, page_path
from tests.plugins.factories import make_organisation, make_person

FIELDS = ("q-redness", "q-pus", "q-opened", "q-opened-deep", "q-fever", "q-onset",
          "q-sought-advice", "q-antibiotics", "action", "return")
_VALUE = st.text(max_size=12) | st.sampled_from([
    "none", "a-lot", "yes", "no", "later", "next", "review", "1.2.2026", "29.2.2026",
    "2026-02-01", "1.1.99999", "0.0.0", "\x00", "x" * 200])


@pytest.fixture
def case(client, db, frozen_clock):
    person = make_person(given_name="Ola")
    sign_in_citizen(client, person)
    return open_case(person, make_organisation())


@given(number=st.integers(min_value=1, max_value=4),
       form=st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, _VALUE)))
def test_any_page_form_is_a_clear_answer_never_a_500(client, case, number, form):
    token = csrf(text(client.get(f"/questionnaires/{case.id}")))
    answer = client.post(page_path(case, number), data={**form, "csrf_token": token})
    assert answer.status_code in (303, 422), (number, form, answer.status_code)


@given(version=st.text(max_size=12))
def test_any_send_is_a_clear_answer_never_a_500(client, case, version):
    token = csrf(text(client.get(f"/questionnaires/{case.id}")))
    answer = client.post(f"/questionnaires/{case.id}/review",
                         data={"version": version, "csrf_token": token})
    assert answer.status_code in (409, 422), (version, answer.status_code)
