"""Filling in the wound questionnaire's web form as a browser without JavaScript does:
GET a page, POST its fields with the CSRF token it carries."""

from __future__ import annotations

import re
from datetime import timedelta

from services.wound.models import CaseState
from tests.citizen.pages import csrf, text
from tests.plugins.clock import T0
from tests.services.wound.factories import make_case

#: Every sign "no, not at all", the wound not opened, no fever: page 1 in full.
NOTHING = {"q-redness": "none", "q-warmth": "none", "q-swelling": "none", "q-pain": "none",
           "q-clear-fluid": "none", "q-bloody-fluid": "none", "q-pus": "none",
           "q-opened": "no", "q-fever": "no"}
_VERSION = re.compile(r'name="version" value="(\d+)"')


def open_case(person, hospital, **fields):
    """Her case for a gallbladder operation 30 days before T0, invited at T0 (Monday 2
    March 2026): she answers by 15 March."""
    fields = {"performed_at": T0 - timedelta(days=30), "due_on": T0.date(),
              "state": CaseState.INVITED, "invited_at": T0, "category": "CHOL", **fields}
    return make_case(person, hospital, **fields)


def page_path(case, number: int) -> str:
    return f"/questionnaires/{case.id}/pages/{number}"


def post_page(client, case, number: int, fields: dict, *, action: str = "next",
              query: str = ""):
    """Send page ``number`` as its form does: the token from the page, the button pressed."""
    path = page_path(case, number)
    page = text(client.get(path + query))
    data = {"csrf_token": csrf(page), "action": action, **fields}
    if 'name="return" value="review"' in page:
        data["return"] = "review"
    return client.post(path, data=data)


def send(client, case):
    """Press "Send my answers" on the review page."""
    path = f"/questionnaires/{case.id}/review"
    page = text(client.get(path))
    return client.post(path, data={"csrf_token": csrf(page),
                                   "version": _VERSION.search(page).group(1)})


def answer_all(client, case, *, signs: dict | None = None, sought_advice: str = "no"):
    """Answer every page with nothing to report (or ``signs``) and send it."""
    first = post_page(client, case, 1, {**NOTHING, **(signs or {})})
    assert first.status_code == 303, text(first)
    if first.location.endswith("/pages/2"):
        assert post_page(client, case, 2, {}).status_code == 303
    assert post_page(client, case, 3, {"q-sought-advice": sought_advice}).status_code == 303
    if sought_advice == "yes":
        assert post_page(client, case, 4, {"q-antibiotics": "no", "q-opened-by-doctor": "no",
                                           "q-readmitted": "no",
                                           "q-reoperated": "no"}).status_code == 303
    return send(client, case)
