"""The wound follow-up Questionnaire: valid FHIR, renderable by LHC-Forms and Refero,
closed answers, every text in nb, nn and en, every question mapped to an NHSN criterion;
and a citizen's answer to it checks out (services/fhir/questionnaire.py)."""

from __future__ import annotations

import copy

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from services.fhir.questionnaire import validate_response
from services.wound import questionnaires
from services.wound.questionnaires import items, problems_of, translations

URL = "https://minhelse.no/fhir/Questionnaire/wound-infection-followup"


@pytest.fixture(autouse=True)
def _fresh_files():
    """Read the files in each test: a cached copy would hide a broken reader."""
    reader = questionnaires.published
    reader.cache_clear()
    yield
    reader.cache_clear()


@pytest.fixture
def shipped():
    return copy.deepcopy(questionnaires.questionnaire(URL, "1.0"))


def test_it_is_published_by_url_and_version(shipped):
    assert shipped["version"] == "1.0" and shipped["status"] == "active"
    assert questionnaires.questionnaire(URL)["version"] == "1.0"  # the newest active
    assert questionnaires.questionnaire(URL, "0.9") is None
    assert questionnaires.questionnaire("https://example.org/other") is None


def test_it_is_valid_fhir_and_has_nothing_a_portal_would_render_wrongly(shipped):
    Questionnaire.model_validate(shipped)
    assert problems_of(shipped) == []
    kinds = {item["type"] for item in items(shipped)}
    assert kinds <= questionnaires.RENDERABLE_TYPES
    assert not kinds & {"string", "text"}  # closed answers only


def test_every_text_reads_in_nynorsk_and_english(shipped):
    pus = next(item for item in items(shipped) if item["linkId"] == "pus")
    assert pus["text"].startswith("Tykk, gul eller grønn væske")
    assert translations(pus["_text"]) == {
        "nn": "Tjukk, gul eller grøn væske (puss) frå såret",
        "en": "Thick yellow or green fluid (pus) from the wound"}
    assert translations(pus["answerOption"][3]["valueCoding"]["_display"])["en"] == "Yes, a lot"
    assert translations(shipped["_title"])["en"] == "Questions about your surgical wound"


def test_each_question_names_the_nhsn_criterion_it_informs(shipped):
    criteria = {item["linkId"]: item["code"][0]["code"] for item in items(shipped)
                if item["type"] not in ("group", "display")}
    assert criteria["pus"] == "purulent-drainage"
    assert criteria["opened-by-doctor"] == "deliberately-opened"
    assert criteria["fever"] == "fever"
    assert criteria["opened"] == "spontaneous-dehiscence"
    assert {"readmission", "reoperation", "antibiotics", "sought-advice"} <= set(
        criteria.values())


@pytest.mark.parametrize(("breakage", "said"), [
    (lambda q: q["item"][0]["item"].append({"linkId": "notes", "type": "text",
                                            "text": "Anything else?"}), "free text"),
    (lambda q: q["item"][0]["item"][1].update(type="open-choice"), "not rendered"),
    (lambda q: q["item"][0]["item"][1].pop("_text"), "lacks a translation"),
    (lambda q: q["item"][0]["item"][1].pop("code"), "NHSN criterion"),
    (lambda q: q["item"][1]["item"][1]["enableWhen"][0].update(question="later"),
     "antibiotics: enableWhen names 'later', not an item before it"),
    (lambda q: [q["item"][0]["item"][1].pop(key) for key in ("linkId", "_text")],
     "?: text lacks"),
    (lambda q: q["item"][0]["item"][1]["_text"]["extension"].pop(),
     "redness: text lacks a translation (en)"),
    (lambda q: q["item"][0]["item"][1].pop("_text"), "redness: text lacks a translation (en, nn)"),
    (lambda q: q["item"][0]["item"][2].update(linkId="redness"), "redness: linkId used twice"),
    (lambda q: q["item"][0]["item"][1]["answerOption"][0].update(
        valueCoding={"code": "none", "display": "Nei"}), "redness: option none lacks"),
    (lambda q: q["item"][0]["item"][1]["answerOption"].append({"valueString": "Kanskje"}),
     "redness: an answerOption that is not a Coding"),
    (lambda q: q["item"][1]["item"][1]["enableWhen"][0].update(operator="~"),
     "antibiotics: enableWhen operator '~'"),
])
def test_a_questionnaire_a_portal_cannot_render_is_refused(shipped, breakage, said):
    breakage(shipped)
    assert any(said in problem for problem in problems_of(shipped)), problems_of(shipped)


def _answer(link: str, value: dict) -> dict:
    return {"linkId": link, "answer": [value]}


def _response(shipped, *, opened=False, sought=False, **extra) -> dict:
    none = next(iter(shipped["item"][0]["item"][1]["answerOption"]))["valueCoding"]
    none = {k: v for k, v in none.items() if not k.startswith("_")}
    signs = [_answer(link, {"valueCoding": none}) for link in
             ("redness", "warmth", "swelling", "pain", "clear-fluid", "bloody-fluid", "pus")]
    opened_item = _answer("opened", {"valueBoolean": opened})
    signs += [opened_item, _answer("fever", {"valueBoolean": False})]
    care = [_answer("sought-advice", {"valueBoolean": sought})]
    for link, value in extra.items():
        care.append(_answer(link.replace("_", "-"), {"valueBoolean": value}))
    return {"resourceType": "QuestionnaireResponse", "status": "completed",
            "questionnaire": f"{URL}|1.0",
            "item": [{"linkId": "signs", "item": signs}, {"linkId": "care", "item": care}]}


def test_translations_skip_other_extensions_and_incomplete_ones():
    element = {"extension": [
        {"url": "http://example.org/other", "valueString": "x"},
        {"url": questionnaires.TRANSLATION, "extension": [{"url": "lang", "valueCode": "nn"}]},
        {"url": questionnaires.TRANSLATION, "extension": [
            {"url": "content", "valueString": "no language"}]},
        {"url": questionnaires.TRANSLATION, "extension": [
            {"url": "lang", "valueCode": "en"}, {"url": "content", "valueString": "Pus"}]}]}
    assert translations(element) == {"en": "Pus"}
    assert translations(None) == {} and translations({}) == {}
    assert translations({"extension": [{"url": questionnaires.TRANSLATION}]}) == {}


def test_items_walk_depth_first_in_document_order():
    nested = {"item": [{"linkId": "a", "item": [{"linkId": "a1"}, {"linkId": "a2"}]},
                       {"linkId": "b"}]}
    assert [item["linkId"] for item in items(nested)] == ["a", "a1", "a2", "b"]
    assert list(items({})) == [] and problems_of({}) == []


def test_versions_are_compared_as_numbers(monkeypatch):
    versions = {(URL, v): {"url": URL, "version": v, "status": s}
                for v, s in (("1.2", "active"), ("1.10", "active"), ("1.9.rc1", "active"),
                             ("2.0", "draft"))}
    monkeypatch.setattr(questionnaires, "published", lambda: versions)
    assert questionnaires.questionnaire(URL)["version"] == "1.10"  # newest active
    assert questionnaires.questionnaire(URL, "2.0")["version"] == "2.0"  # asked by version
    assert questionnaires.questionnaire(URL, "1.2")["status"] == "active"


def test_a_complete_answer_checks_out_and_a_disabled_answer_does_not(shipped):
    assert validate_response(_response(shipped), shipped) == []
    assert validate_response(_response(shipped, sought=True, antibiotics=True,
                                    opened_by_doctor=False, readmitted=False,
                                    reoperated=False), shipped) == []
    refused = validate_response(_response(shipped, antibiotics=True), shipped)
    assert [p.code for p in refused] == ["structure"]  # antibiotics asked only after advice


def test_its_code_systems_are_published_and_hold_every_code_it_uses(client):
    from fhir.resources.R4B.codesystem import CodeSystem

    criteria = client.get("/fhir/R4/CodeSystem/ssi-criterion")
    assert criteria.status_code == 200 and criteria.mimetype == "application/fhir+json"
    CodeSystem.model_validate(criteria.json)
    codes = {c["code"] for c in criteria.json["concept"]}
    assert {"purulent-drainage", "deliberately-opened", "fever", "reoperation"} <= codes
    assert criteria.json["url"] == questionnaires.CRITERION_SYSTEM
    assert {key: criteria.json[key] for key in ("status", "content", "caseSensitive",
                                                  "publisher", "id")} == {
        "status": "active", "content": "complete", "caseSensitive": True,
        "publisher": "Min helse", "id": "ssi-criterion"}
    assert criteria.json["count"] == len(criteria.json["concept"])
    assert {"code": "purulent-drainage", "display": "Puss (purulent sekresjon)"} in (
        criteria.json["concept"])
    scale = client.get("/fhir/R4/CodeSystem/wound-sign-severity").json
    assert [c["code"] for c in scale["concept"]] == ["none", "a-little", "quite-a-bit", "a-lot"]
    assert scale["concept"][3]["display"] == "Ja, mye"


def test_a_code_system_takes_each_code_once_and_names_an_undisplayed_one_by_its_code(
        monkeypatch):
    system = questionnaires.SEVERITY_SYSTEM
    made_up = {("u", "1"): {"item": [{"linkId": "a", "type": "choice", "answerOption": [
        {"valueString": "free"}, {"valueCoding": {"system": system, "code": "x"}},
        {"valueCoding": {"system": system, "code": "x", "display": "second"}},
        {"valueCoding": {"system": "other", "code": "y"}}]}]}}
    monkeypatch.setattr(questionnaires, "published", lambda: made_up)
    assert questionnaires.code_system(system)["concept"] == [{"code": "x", "display": "x"}]
