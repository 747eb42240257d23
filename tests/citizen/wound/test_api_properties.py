"""Properties of the questionnaire API under any input: no body makes a 500, a refused
answer changes nothing stored, an accepted one is stored as sent; no bytes sent as a photo
make a 500, and what is kept is always a clean JPEG or PNG."""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, date, datetime

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from services.db import db
from services.wound import questionnaires
from services.wound.models import Answer, CaseState, Photo
from services.wound.photos import PhotoLimits, PhotoRefused, clean
from tests.plugins.api import log_in_as
from tests.plugins.factories import make_organisation, make_person
from tests.services.wound.answering import CANONICAL, SEVERITY, SIGNS, response
from tests.services.wound.factories import make_case
from tests.services.wound.images import phone_jpeg, png

JSON = {"Content-Type": "application/json"}
QUESTIONNAIRE = questionnaires.questionnaire(*CANONICAL.split("|"))
LINK_IDS = [item["linkId"] for item in questionnaires.items(QUESTIONNAIRE)]

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) \
    | st.text(max_size=20)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                           max_leaves=15)
values = st.one_of(
    st.builds(lambda code: {"valueCoding": {"system": SEVERITY, "code": code}},
              st.sampled_from(["none", "a-little", "a-lot", "enormous", ""])),
    st.builds(lambda code: {"valueCoding": code}, json_values),
    st.builds(lambda value: {"valueBoolean": value}, st.booleans() | json_scalars),
    st.builds(lambda value: {"valueDate": value},
              st.dates().map(date.isoformat) | st.sampled_from(["2026-03", "2026", "31.12.2026"])
              | json_scalars),
    st.builds(lambda value: {"valueInteger": value}, json_scalars),
    st.dictionaries(st.sampled_from(["valueString", "item", "extension", "x"]), json_values,
                    max_size=2),
    json_values,
)
link_ids = st.sampled_from([*LINK_IDS, "no-such-item", ""]) | json_scalars
items = st.recursive(
    st.fixed_dictionaries({"linkId": link_ids}, optional={"answer": st.lists(values,
                                                                              max_size=3)}),
    lambda children: st.fixed_dictionaries({"linkId": link_ids}, optional={
        "item": st.lists(children, max_size=5) | json_values,
        "answer": st.lists(st.one_of(values, st.fixed_dictionaries(
            {"valueBoolean": st.booleans(), "item": st.lists(children, max_size=2)})),
            max_size=3)}),
    max_leaves=25)
questionnaire_responses = st.fixed_dictionaries({
    "resourceType": st.sampled_from(["QuestionnaireResponse"]) | st.text(max_size=10),
    "status": st.sampled_from(["in-progress", "completed", "amended"]),
    "questionnaire": st.sampled_from([CANONICAL, CANONICAL.split("|")[0],
                                      CANONICAL.replace("1.0", "2.0")]) | json_scalars,
}, optional={"item": st.lists(items, max_size=4) | json_values, "id": json_scalars,
             "meta": json_values, "authored": json_scalars, "subject": json_values})
#: Answers that fit, so that the property also sees drafts and final answers taken.
fitting = st.builds(
    lambda signs, opened, fever, advice, complete, final: {
        **response(signs=signs, opened=opened, fever=fever, sought_advice=advice,
                   complete=complete),
        "status": "completed" if final else "in-progress"},
    st.dictionaries(st.sampled_from(SIGNS), st.sampled_from(["none", "a-little", "a-lot"]),
                    max_size=3),
    st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans())
bodies = st.one_of(fitting, questionnaire_responses, json_values)


@pytest.fixture
def setting(db):
    with time_machine.travel(datetime(2026, 4, 3, 8, 0, tzinfo=UTC), tick=False):
        her = make_person(date(1985, 6, 15))
        case = make_case(her, make_organisation(), state=CaseState.INVITED,
                         invited_at=datetime(2026, 4, 1, 6, 0, tzinfo=UTC))
        yield her, case


def snapshot():
    db.session.expire_all()
    stored = db.session.scalar(db.select(Answer))
    return None if stored is None else (stored.status, stored.final_sha256, stored.response,
                                        stored.version_id)


@given(body=bodies)
def test_any_json_body_is_answered_or_refused_and_never_a_500(api_client, setting, body):
    her, case = setting
    log_in_as(api_client, her)
    before = snapshot()
    answer = api_client.post(f"/api/v1/questionnaires/{case.id}/answers", headers=JSON,
                             data=json.dumps(body))
    # A body of JSON null is no body (citizen/payloads.py): 400.
    allowed = (400,) if body is None else (200, 201, 409, 422)
    assert answer.status_code in allowed, answer.get_data(as_text=True)
    after = snapshot()
    if answer.status_code in (400, 409, 422):
        assert after == before  # nothing stored is lost, nothing half-stored
    elif answer.status_code == 201:
        assert after[0].value == "completed" and after[2]["item"] == body["item"]
    elif before is not None and before[0].value == "completed":
        assert after == before  # the same final answer again
    else:
        assert after[0].value == "in-progress" and after[2]["item"] == body.get("item", [])


def mutated(data: bytes, seed: int, flips: int) -> bytes:
    """``data`` with ``flips`` bytes changed and maybe cut short: a photo broken in
    transit, or made to look like one."""
    chance = random.Random(seed)
    broken = bytearray(data)
    for _ in range(flips):
        broken[chance.randrange(len(broken))] = chance.randrange(256)
    return bytes(broken[:chance.randrange(len(broken) // 2, len(broken) + 1)])


photo_bytes = st.one_of(
    st.binary(max_size=2000),
    st.builds(mutated, st.sampled_from([phone_jpeg(), png(), png(mode="P"), png(mode="L")]),
              st.integers(0, 2**32), st.integers(0, 12)),
)


@given(data=photo_bytes, declared=st.sampled_from(["image/jpeg", "image/png"]))
def test_any_bytes_as_a_photo_are_kept_clean_or_refused_and_never_a_500(
        api_client, setting, app, monkeypatch, data, declared):
    monkeypatch.setitem(app.config, "WOUND_PHOTOS_PER_CASE", 10_000)
    her, case = setting
    log_in_as(api_client, her)
    count = db.session.scalar(db.select(db.func.count()).select_from(Photo))
    sent = api_client.post(f"/api/v1/questionnaires/{case.id}/photo", data=data,
                           content_type=declared)
    assert sent.status_code in (201, 413, 415, 422), sent.get_data(as_text=True)
    after = db.session.scalar(db.select(db.func.count()).select_from(Photo))
    assert after == count + (sent.status_code == 201)


@given(data=photo_bytes)
def test_whatever_is_kept_is_a_jpeg_or_png_without_metadata(data):
    try:
        kept = clean(data, limits=PhotoLimits())
    except PhotoRefused:
        return
    image = Image.open(io.BytesIO(kept.data))
    image.load()
    assert image.format == {"image/jpeg": "JPEG", "image/png": "PNG"}[kept.content_type]
    assert image.size == (kept.width, kept.height)
    assert not set(image.info) & {"exif", "xmp", "comment", "icc_profile"}
