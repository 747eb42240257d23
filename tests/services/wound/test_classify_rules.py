"""Textbook cases of the NHSN/ECDC SSI definitions, each criterion of each level, the
layer rules and the windows at their boundaries (the day of surgery is day 1)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.wound.classify import (
    Culture,
    Evidence,
    Findings,
    FindingsError,
    Layer,
    Opening,
    contradictions,
    criteria_met,
    propose,
)
from services.wound.models import SSILevel as L

OPERATED = date(2026, 3, 2)
S, D, OS = Layer.SUPERFICIAL, Layer.DEEP, Layer.ORGAN_SPACE


def on_day(n: int) -> date:
    return OPERATED + timedelta(days=n - 1)


def f(**kw) -> Findings:
    kw.setdefault("onset_on", on_day(10))
    return Findings(**kw)


CASES = {
    "organ-space pus from a drain": (f(purulent_from=frozenset({OS})), L.ORGAN_SPACE,
                                     "organ-space-purulent-drain"),
    "organ-space culture": (f(culture=Culture.POSITIVE, culture_from=OS), L.ORGAN_SPACE,
                            "organ-space-culture"),
    "organ-space abscess on imaging": (f(evidence=OS), L.ORGAN_SPACE, "organ-space-abscess"),
    "organ-space by the physician": (f(diagnosis=L.ORGAN_SPACE), L.ORGAN_SPACE,
                                     "organ-space-physician"),
    "deep pus": (f(purulent_from=frozenset({D})), L.DEEP, "deep-purulent"),
    "deep and superficial pus is deep": (f(purulent_from=frozenset({S, D})), L.DEEP,
                                         "deep-purulent"),
    "deep and organ-space pus is organ/space": (f(purulent_from=frozenset({D, OS})),
                                                L.ORGAN_SPACE, "organ-space-purulent-drain"),
    "deep dehiscence with fever": (f(opened=Opening.SPONTANEOUS, opened_layer=D, fever=True),
                                   L.DEEP, "deep-dehiscence"),
    "deep opened by the surgeon with pain": (
        f(opened=Opening.DELIBERATE, opened_layer=D, pain=True), L.DEEP, "deep-dehiscence"),
    "deep opened, culture positive, fever": (
        f(opened=Opening.DELIBERATE, opened_layer=D, fever=True, culture=Culture.POSITIVE,
          culture_from=D), L.DEEP, "deep-dehiscence"),
    "deep dehiscence culture-negative is not that criterion": (
        f(opened=Opening.SPONTANEOUS, opened_layer=D, fever=True, culture=Culture.NEGATIVE,
          culture_from=D), L.NONE, None),
    "deep dehiscence without fever or pain is not": (
        f(opened=Opening.SPONTANEOUS, opened_layer=D, local_signs=True), L.NONE, None),
    "deep opened with swelling only falls to superficial-opened": (
        f(opened=Opening.DELIBERATE, opened_layer=D, local_signs=True), L.SUPERFICIAL,
        "superficial-opened"),
    "deep abscess": (f(evidence=D), L.DEEP, "deep-abscess"),
    "deep by the physician": (f(diagnosis=L.DEEP), L.DEEP, "deep-physician"),
    "superficial pus": (f(purulent_from=frozenset({S})), L.SUPERFICIAL,
                        "superficial-purulent"),
    "superficial culture": (f(culture=Culture.POSITIVE, culture_from=S), L.SUPERFICIAL,
                            "superficial-culture"),
    "superficial culture negative is nothing": (f(culture=Culture.NEGATIVE, culture_from=S),
                                                L.NONE, None),
    "superficial opened by the surgeon with redness": (
        f(opened=Opening.DELIBERATE, opened_layer=S, local_signs=True), L.SUPERFICIAL,
        "superficial-opened"),
    "superficial opened with pain": (
        f(opened=Opening.DELIBERATE, opened_layer=S, pain=True), L.SUPERFICIAL,
        "superficial-opened"),
    "superficial opened, culture-negative, is not": (
        f(opened=Opening.DELIBERATE, opened_layer=S, pain=True, culture=Culture.NEGATIVE,
          culture_from=S), L.NONE, None),
    "superficial opened, a deep culture, still not cultured there": (
        f(opened=Opening.DELIBERATE, opened_layer=S, pain=True, culture=Culture.NEGATIVE,
          culture_from=D), L.SUPERFICIAL, "superficial-opened"),
    "superficial opened without a sign is not": (
        f(opened=Opening.DELIBERATE, opened_layer=S, fever=True), L.NONE, None),
    "superficial dehiscing by itself is not superficial-opened": (
        f(opened=Opening.SPONTANEOUS, opened_layer=S, pain=True), L.NONE, None),
    "superficial by the physician": (f(diagnosis=L.SUPERFICIAL), L.SUPERFICIAL,
                                     "superficial-physician"),
    "signs alone are nothing": (f(fever=True, pain=True, local_signs=True), L.NONE, None),
    "nothing found": (f(), L.NONE, None),
}


@pytest.mark.parametrize("findings, level, criterion", CASES.values(), ids=CASES.keys())
def test_textbook_case(findings, level, criterion):
    proposal = propose(findings=findings, answers=[], operation_day=OPERATED,
                       implant_window_days=30)
    assert (proposal.level, proposal.criterion) == (level, criterion)
    assert proposal.reasons


WINDOWS = {
    "superficial day 30 is in": (frozenset({S}), 30, 90, L.SUPERFICIAL),
    "superficial day 31 is out, even after an implant": (frozenset({S}), 31, 90, L.NONE),
    "deep day 30 is in, 30-day category": (frozenset({D}), 30, 30, L.DEEP),
    "deep day 31 is out, 30-day category": (frozenset({D}), 31, 30, L.NONE),
    "deep day 31 is in, 90-day category": (frozenset({D}), 31, 90, L.DEEP),
    "deep day 90 is in, 90-day category": (frozenset({D}), 90, 90, L.DEEP),
    "deep day 91 is out, 90-day category": (frozenset({D}), 91, 90, L.NONE),
    "organ/space day 91 is out": (frozenset({OS}), 91, 90, L.NONE),
    "organ/space day 90 is in": (frozenset({OS}), 90, 90, L.ORGAN_SPACE),
    "deep and superficial day 45, implant: deep": (frozenset({S, D}), 45, 90, L.DEEP),
    "onset on the day of surgery is day 1": (frozenset({S}), 1, 30, L.SUPERFICIAL),
    "onset before the operation is none": (frozenset({OS}), 0, 90, L.NONE),
}


@pytest.mark.parametrize("pus, day, window, level", WINDOWS.values(), ids=WINDOWS.keys())
def test_windows(pus, day, window, level):
    proposal = propose(findings=Findings(purulent_from=pus, onset_on=on_day(day)), answers=[],
                       operation_day=OPERATED, implant_window_days=window)
    assert proposal.level is level
    assert proposal.onset_day == day
    if level is L.NONE:
        assert proposal.criterion is None
        assert all(not codes for codes in proposal.met.values())


def test_outside_the_window_says_so():
    proposal = propose(findings=Findings(purulent_from=frozenset({S}), onset_on=on_day(31)),
                       answers=[], operation_day=OPERATED, implant_window_days=90)
    texts = [str(r) for r in proposal.reasons]
    assert texts == ["superficial-purulent is met, but the onset on day 31 is outside the "
                     "30-day window of superficial SSI.", "No SSI under surveillance."]


def test_inside_says_the_criterion_and_the_day():
    proposal = propose(findings=Findings(purulent_from=frozenset({D}), onset_on=on_day(31)),
                       answers=[], operation_day=OPERATED, implant_window_days=90)
    assert [str(r) for r in proposal.reasons] == [
        "deep-purulent: deep SSI.",
        "The onset on day 31 (the day of surgery is day 1) is inside the 90-day window."]


def test_without_an_onset_the_window_is_not_checked():
    proposal = propose(findings=Findings(purulent_from=frozenset({S})), answers=[],
                       operation_day=OPERATED, implant_window_days=30)
    assert proposal.level is L.SUPERFICIAL and proposal.onset_day is None
    assert proposal.reasons[-1].field == "onset_on"


def test_nothing_says_no_criterion():
    proposal = propose(findings=Findings(), answers=[], operation_day=OPERATED,
                       implant_window_days=30)
    assert [str(r) for r in proposal.reasons] == ["The findings meet no criterion: no SSI."]
    assert proposal.notes == []


def test_her_answers_alone_are_notes_not_a_level():
    answers = [("pus", "a-lot"), ("opened", "true"), ("fever", "true"), ("redness", "a-lot"),
               ("opened-deep", "false")]
    proposal = propose(findings=Findings(), answers=answers, operation_day=OPERATED,
                       implant_window_days=30)
    assert proposal.level is L.NONE
    notes = [str(n) for n in proposal.notes]
    assert notes[0].startswith("She reported pus")
    assert "She reported that the wound opened by itself." in notes
    assert "She reported fever over 38 °C." in notes
    assert not any("deeper tissue" in n for n in notes)
    assert notes[-1].startswith("Her answers alone meet no criterion")


def test_no_pus_answered_is_no_note():
    proposal = propose(findings=Findings(), answers=[("pus", "none")], operation_day=OPERATED,
                       implant_window_days=30)
    assert proposal.notes == []


def _proposal(findings):
    return propose(findings=findings, answers=[], operation_day=OPERATED,
                   implant_window_days=90)


def test_organ_space_without_an_organ_space_finding_is_a_contradiction():
    findings = f(purulent_from=frozenset({D}))
    found = contradictions(level=L.ORGAN_SPACE, findings=findings,
                           proposal=_proposal(findings))
    assert [(m.field, str(m)) for m in found] == [
        ("level", "The findings meet no criterion of organ_space SSI inside its window.")]


def test_no_ssi_while_a_criterion_is_met_is_a_contradiction():
    findings = f(purulent_from=frozenset({S}))
    found = contradictions(level=L.NONE, findings=findings, proposal=_proposal(findings))
    assert [str(m) for m in found] == ["No SSI, but the findings meet superficial-purulent."]


def test_no_ssi_names_no_criterion():
    found = contradictions(level=L.NONE, findings=f(), proposal=_proposal(f()),
                           criterion="deep-purulent")
    assert [m.field for m in found] == ["criterion"]


def test_a_lower_level_that_is_met_is_an_override_not_a_contradiction():
    findings = f(purulent_from=frozenset({S, D}))
    assert contradictions(level=L.SUPERFICIAL, findings=findings,
                          proposal=_proposal(findings)) == []
    assert contradictions(level=L.DEEP, findings=findings, proposal=_proposal(findings),
                          criterion="deep-purulent") == []


def test_a_criterion_not_met_is_a_contradiction():
    findings = f(purulent_from=frozenset({D}))
    found = contradictions(level=L.DEEP, findings=findings, proposal=_proposal(findings),
                           criterion="deep-abscess")
    assert [(m.field, str(m)) for m in found] == [
        ("criterion", "The findings do not meet deep-abscess.")]


def test_an_ssi_needs_an_onset():
    findings = Findings(purulent_from=frozenset({S}))
    found = contradictions(level=L.SUPERFICIAL, findings=findings,
                           proposal=_proposal(findings))
    assert [m.field for m in found] == ["onset_on"]


def test_none_with_nothing_met_is_fine():
    assert contradictions(level=L.NONE, findings=f(), proposal=_proposal(f())) == []


def test_findings_round_trip_through_json():
    findings = Findings(purulent_from=frozenset({S, D}), opened=Opening.DELIBERATE,
                        opened_layer=D, culture=Culture.POSITIVE, culture_from=D, evidence=OS,
                        evidence_by=frozenset({Evidence.IMAGING}), diagnosis=L.DEEP, fever=True,
                        pain=True, local_signs=True, onset_on=on_day(5))
    data = findings.as_dict()
    assert data["purulent_from"] == ["deep", "superficial"]
    assert data["onset_on"] == "2026-03-06"
    assert Findings.from_dict(data) == findings
    assert Findings.from_dict(None) == Findings() == Findings.from_dict({})


def test_a_culture_not_done_has_no_place():
    assert Findings.from_dict({"culture": "not_done", "culture_from": "deep"}).culture_from \
        is None


@pytest.mark.parametrize("data, field, message", [
    ({"purulent_from": ["skin"]}, "purulent_from",
     "not one of superficial, deep, organ_space"),
    ({"purulent_from": "deep"}, "purulent_from", "a list"),
    ({"opened": "deliberate"}, "opened_layer",
     "say whether the superficial or the deep incision opened"),
    ({"opened": "deliberate", "opened_layer": "organ_space"}, "opened_layer",
     "say whether the superficial or the deep incision opened"),
    ({"culture": "positive"}, "culture_from", "say where the culture was taken from"),
    ({"culture": "maybe"}, "culture", "not one of positive, negative, not_done"),
    ({"evidence": "superficial"}, "evidence",
     "evidence is of the deep incision or the organ/space"),
    ({"diagnosis": "none"}, "diagnosis", "a diagnosis is of a level of SSI"),
    ({"fever": "yes"}, "fever", "true or false"),
    ({"onset_on": "1.3.2026"}, "onset_on", "a day, YYYY-MM-DD"),
    ({"onset_on": 5}, "onset_on", "a day, YYYY-MM-DD"),
    ({"evidence_by": [{}]}, "evidence_by",
     "not one of examination, reoperation, histopathology, imaging"),
], ids=str)
def test_findings_we_do_not_know_are_refused(data, field, message):
    with pytest.raises(FindingsError) as refused:
        Findings.from_dict(data)
    assert (refused.value.field, str(refused.value)) == (field, message)


def test_an_empty_choice_is_none():
    assert Findings.from_dict({"opened": "", "diagnosis": ""}) == Findings()


def test_findings_are_an_object():
    with pytest.raises(FindingsError) as refused:
        Findings.from_dict(["deep"])
    assert (refused.value.field, str(refused.value)) == ("findings", "findings are an object")


def test_every_level_is_listed_by_criteria_met():
    assert set(criteria_met(Findings())) == {L.ORGAN_SPACE, L.DEEP, L.SUPERFICIAL}


def test_a_layer_without_an_opening_is_no_opening():
    proposal = _proposal(f(opened_layer=D, fever=True, pain=True))
    assert proposal.level is L.NONE


def test_onset_before_the_operation_says_so_and_keeps_the_notes():
    proposal = propose(findings=Findings(purulent_from=frozenset({OS}), onset_on=on_day(0)),
                       answers=[("fever", "true")], operation_day=OPERATED,
                       implant_window_days=90)
    assert [str(r) for r in proposal.reasons] == [
        "The onset is before the operation: not an infection after this operation."]
    assert proposal.notes[0].text == "She reported fever over 38 °C."


def test_superficial_names_its_own_window_and_keeps_the_notes():
    proposal = propose(findings=Findings(purulent_from=frozenset({S}), onset_on=on_day(3)),
                       answers=[("opened-deep", "true")], operation_day=OPERATED,
                       implant_window_days=90)
    assert str(proposal.reasons[-1]).endswith("inside the 30-day window.")
    assert str(proposal.notes[0]).startswith("She reported that it opened down")
    assert str(proposal.notes[-1]) == ("Her answers alone meet no criterion: NHSN needs what "
                                       "a clinician found.")


def test_the_no_onset_reason_text():
    proposal = _proposal(Findings(purulent_from=frozenset({S})))
    assert str(proposal.reasons[-1]) == "No onset date yet: the window is not checked."


def test_the_contradiction_texts():
    none = contradictions(level=L.NONE, findings=f(), proposal=_proposal(f()),
                          criterion="deep-purulent")
    assert [str(m) for m in none] == ["No SSI has no criterion."]
    findings = Findings(purulent_from=frozenset({S}))
    onset = contradictions(level=L.SUPERFICIAL, findings=findings,
                           proposal=_proposal(findings))
    assert [str(m) for m in onset] == ["An SSI needs its onset date."]


def test_a_level_missing_from_the_proposal_is_not_met():
    from services.wound.classify import Proposal

    found = contradictions(level=L.DEEP, findings=f(), proposal=Proposal(L.NONE, None, []))
    assert [m.field for m in found] == ["level"]
