"""The procedure catalogue (data, not code) and the NNIS risk index at its boundaries."""

from __future__ import annotations

import copy
import json

import pytest

from services.wound import catalogue
from services.wound.catalogue import CatalogueError, parse
from services.wound.risk import nnis_index

SHIPPED = json.loads(catalogue.DEFAULT_FILE.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _fresh_catalogue():
    """Read the file in each test: a cached catalogue would hide a broken reader."""
    catalogue.load.cache_clear()
    yield
    catalogue.load.cache_clear()


@pytest.fixture
def categories():
    return catalogue.load()


def test_the_shipped_catalogue_has_the_nois_categories_and_appendectomy(categories):
    assert [c.key for c in categories.categories] == [
        "CBGB", "CBGC", "CSEC", "HPRO", "CHOL", "COLO", "APPY"]
    hip = categories.by_key("HPRO")
    assert (hip.follow_up_days, hip.deep_window_days, hip.implant) == (30, 90, True)
    assert categories.by_key("CSEC").name("nn") == "Keisarsnitt"
    assert categories.by_key("CHOL").name("en") == "Gallbladder removal (cholecystectomy)"


@pytest.mark.parametrize(("codes", "key"), [
    (["CSEC"], "CSEC"), (["csec "], "CSEC"), (["47.09", "COLO"], "COLO"),
    (["HPRO"], "HPRO"), ([], None), (["KPRO"], None), ([None, 42, "APPY"], "APPY"),
])
def test_an_operation_is_classified_by_any_of_its_codes(categories, codes, key):
    found = categories.classify(codes)
    assert (found.key if found else None) == key


@pytest.mark.parametrize(("breakage", "reason"), [
    (lambda c: c["categories"][0].pop("follow_up_days"), "follow_up_days"),
    (lambda c: c["categories"][0]["names"].pop("nn"), "nn"),
    (lambda c: c["categories"][0].update(follow_up_days=60), "CBGB: windows are 30 or 90"),
    (lambda c: c["categories"][0].update(deep_window_days=45), "CBGB: windows are 30 or 90"),
    (lambda c: c["categories"][3].update(follow_up_days=90, deep_window_days=30),
     "HPRO: the deep window is shorter"),
    (lambda c: c["categories"][0].update(duration_cutoff_minutes=0), "must be positive"),
    (lambda c: c["categories"][0].update(duration_cutoff_minutes=-5), "must be positive"),
    (lambda c: c["categories"][0].update(codes=[]), "CBGB has no codes"),
    (lambda c: c["categories"][1].update(codes=["CBGB"]), "appears twice"),
    (lambda c: c["categories"][1].update(key="cbgb"), "appears twice"),
    (lambda c: c.pop("categories"), "categories"),
    (lambda c: c.update(categories=[None]), "not valid"),
    (lambda c: c["categories"][0].update(follow_up_days="thirty"), "thirty"),
])
def test_a_broken_catalogue_is_refused_with_a_reason(breakage, reason):
    broken = copy.deepcopy(SHIPPED)
    breakage(broken)
    with pytest.raises(CatalogueError, match=reason):
        parse(broken)


def test_every_field_is_read_from_the_file():
    [first] = parse({"categories": [{
        "key": "appy", "codes": ["appy", "X1"], "implant": 1,
        "names": {"nb": "Blindtarm", "nn": "Blindtarm nn", "en": "Appendix"},
        "follow_up_days": "30", "deep_window_days": 90, "duration_cutoff_minutes": "61",
        "laparoscopic_adjustment": 1}]}).categories
    assert first == catalogue.Category(
        key="APPY", codes=("APPY", "X1"), names={"nb": "Blindtarm", "nn": "Blindtarm nn",
                                                 "en": "Appendix"},
        follow_up_days=30, deep_window_days=90, duration_cutoff_minutes=61,
        laparoscopic_adjustment=True, implant=True)
    assert first.name("de") == "Blindtarm" and first.name("nn") == "Blindtarm nn"
    assert parse({"categories": []}).by_key("APPY") is None
    shortest = copy.deepcopy(SHIPPED)
    shortest["categories"][0]["duration_cutoff_minutes"] = 1
    assert parse(shortest).categories[0].duration_cutoff_minutes == 1


def test_a_hospital_can_add_a_category(tmp_path):
    extended = copy.deepcopy(SHIPPED)
    extended["categories"].append({
        "key": "KPRO", "codes": ["KPRO"], "implant": True,
        "names": {"nb": "Kneprotese", "nn": "Kneprotese", "en": "Knee prosthesis"},
        "follow_up_days": 30, "deep_window_days": 90, "duration_cutoff_minutes": 120,
        "laparoscopic_adjustment": False})
    path = tmp_path / "procedures.json"
    path.write_text(json.dumps(extended), encoding="utf-8")
    assert catalogue.load(path).classify(["KPRO"]).deep_window_days == 90


def _index(categories, key="CSEC", *, asa=1, wound=1, minutes=30, endoscopic=False):
    return nnis_index(category=categories.by_key(key), asa=asa, wound_class=wound,
                      duration_minutes=minutes, endoscopic=endoscopic)


def test_each_risk_factor_scores_from_its_boundary(categories):
    assert _index(categories) == 0
    assert [_index(categories, asa=a) for a in (1, 2, 3, 4, 5)] == [0, 0, 1, 1, 1]
    assert [_index(categories, wound=w) for w in (1, 2, 3, 4)] == [0, 0, 1, 1]
    # Caesarean section: T is 60 minutes; exactly T scores nothing.
    assert [_index(categories, minutes=m) for m in (0, 59, 60, 61)] == [0, 0, 0, 1]
    assert [_index(categories, "COLO", minutes=m) for m in (180, 181)] == [0, 1]
    assert _index(categories, asa=3, wound=4, minutes=61) == 3


def test_endoscopy_lowers_the_index_only_where_the_catalogue_says(categories):
    assert _index(categories, "CHOL", endoscopic=True) == -1
    assert _index(categories, "CHOL", asa=3, endoscopic=True) == 0
    assert _index(categories, "COLO", asa=3, wound=3, minutes=200, endoscopic=True) == 2
    assert _index(categories, "CSEC", asa=3, endoscopic=True) == 1  # no adjustment
    assert _index(categories, "HPRO", asa=3, endoscopic=True) == 1


@pytest.mark.parametrize(("asa", "wound", "minutes", "reason"), [
    (0, 1, 10, "ASA class is 1 to 5"), (6, 1, 10, "ASA class is 1 to 5"),
    (1, 0, 10, "wound class is 1 to 4"), (1, 5, 10, "wound class is 1 to 4"),
    (1, 1, -1, "cannot be negative")])
def test_impossible_values_are_refused(categories, asa, wound, minutes, reason):
    with pytest.raises(ValueError, match=reason):
        _index(categories, asa=asa, wound=wound, minutes=minutes)
    assert _index(categories, minutes=0) == 0


def test_the_categories_are_published_as_a_code_system(client):
    from fhir.resources.R4B.codesystem import CodeSystem

    published = client.get("/fhir/R4/CodeSystem/surgical-procedure-category")
    assert published.status_code == 200
    CodeSystem.model_validate(published.json)
    body = published.json
    assert (body["url"], body["id"], body["status"], body["content"], body["count"]) == (
        catalogue.CATEGORY_SYSTEM, "surgical-procedure-category", "active", "complete", 7)
    assert body["caseSensitive"] is False and body["publisher"] == "Min helse"
    assert body["concept"][2] == {"code": "CSEC", "display": "Caesarean section"}
    assert "classifies an operation" in body["description"]
