"""The classification page of a case: its operation and her answers in short, the findings
form, the rules helper's proposal and staff's decision. "Propose" recomputes the proposal
from the findings entered without saving; "Save" classifies (``services.wound.classification``).
A stale version (409) or a refusal (422) shows the page again with what was entered."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from citizen.babel_cache import gettext as _
from citizen.i18n import current_language, parse_day
from citizen.wound_staff import labels
from citizen.wound_staff.access import ID, case_or_404, infection_control
from services.wound import answered, answers, catalogue, classification, staff
from services.wound.classify import (
    CRITERIA,
    CRITERION_TEXTS,
    ORGAN_SITES,
    Culture,
    Evidence,
    Findings,
    FindingsError,
    Layer,
    Message,
    Opening,
)
from services.wound.models import Detection, FollowUp, SSILevel

LEVELS = {SSILevel.NONE: _l("No SSI"), SSILevel.SUPERFICIAL: _l("Superficial incisional"),
          SSILevel.DEEP: _l("Deep incisional"), SSILevel.ORGAN_SPACE: _l("Organ/space")}
LAYERS = {Layer.SUPERFICIAL: _l("Superficial incision"), Layer.DEEP: _l("Deep incision"),
          Layer.ORGAN_SPACE: _l("Organ/space (a drain placed into it)")}
OPENINGS = {Opening.DELIBERATE: _l("Deliberately opened by a surgeon or physician"),
            Opening.SPONTANEOUS: _l("Dehisced by itself")}
CULTURES = {Culture.NOT_DONE: _l("Not done"), Culture.POSITIVE: _l("Positive"),
            Culture.NEGATIVE: _l("Negative")}
EVIDENCE = {Evidence.EXAMINATION: _l("Direct examination"),
            Evidence.REOPERATION: _l("Reoperation"),
            Evidence.HISTOPATHOLOGY: _l("Histopathology"), Evidence.IMAGING: _l("Imaging")}
DETECTIONS = {Detection.IN_HOSPITAL: _l("In hospital"),
              Detection.READMISSION: _l("At readmission"),
              Detection.AFTER_DISCHARGE: _l("After discharge")}
SIGNS = {"fever": _l("Fever over 38 °C"), "pain": _l("Localised pain or tenderness"),
         "local_signs": _l("Localised swelling, redness or heat")}
#: The consequences staff confirm are the hospital's reported events, by the same names.
CONSEQUENCES = {kind.value: label for kind, label in labels.EVENTS.items()}


def add_routes(blueprint: Blueprint) -> None:
    path = f"/cases/<{ID}:case_id>/classification"
    blueprint.add_url_rule(path, endpoint="classification", view_func=page)
    blueprint.add_url_rule(path, endpoint="classify", view_func=save, methods=["POST"])


def say(message: Message) -> str:
    """A helper's message in the reader's language."""
    params = {key: (str(LEVELS[SSILevel(value)]) if key == "level" else value)
              for key, value in message.params.items()}
    return _(message.text, **params) if params else _(message.text)


@infection_control
def page(case_id: int):
    case = case_or_404(case_id)
    staff.audit_read(case, actor=g.actor, resource_type=classification.RESOURCE)
    return _page(case, _stored_values(case), proposal=classification.proposal_for(case))


@infection_control
def save(case_id: int):
    case = case_or_404(case_id)
    entered = _entered()
    decision, errors = _decision(entered)
    if errors:
        return _page(case, entered, errors=errors, status=422)
    if request.form.get("action") == "propose":
        return _page(case, entered, proposal=classification.proposal_for(
            case, Findings.from_dict({**decision["findings"],
                                      "onset_on": decision["onset_on"]})))
    version = entered["version"]
    try:
        classification.classify(case_id=case_id, decision=decision,
                                version=int(version) if version.isdigit() else None,
                                actor=g.actor)
    except staff.NotFound:
        raise NotFound() from None
    except staff.Stale:
        return _page(case, entered, status=409, refused=_(
            "Someone else changed this case since you opened it. What you entered is kept "
            "below: check the case and save again."), fresh_version=True)
    except classification.WrongState:
        return _page(case, entered, status=409, refused=_(
            "This case cannot be classified now: it is classified once she has answered "
            "and the answer is triaged."))
    except classification.Refused as refused:
        found: dict[str, str] = {}
        for problem in refused.problems:
            found.setdefault((problem.field or "level").removeprefix("findings."),
                             say(problem))
        return _page(case, entered, errors=found, status=422)
    flash(_("The case is classified."), "success")
    return redirect(url_for("wound_staff.classification", case_id=case_id), code=303)


def _entered() -> dict[str, Any]:
    form = request.form
    values: dict[str, Any] = {name: form.get(name, "")[:2000] for name in (
        "opened", "opened_layer", "culture", "culture_from", "evidence", "diagnosis", "level",
        "criterion", "organ_site", "onset_on", "detected", "microorganism",
        "override_reason", "version")}
    for name in ("purulent_from", "evidence_by"):
        values[name] = form.getlist(name)[:5]
    for name in (*SIGNS, *CONSEQUENCES):
        values[name] = form.get(name) == "yes"
    return values


def _decision(entered: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    findings = {name: entered[name] or None for name in (
        "opened", "opened_layer", "culture", "culture_from", "evidence", "diagnosis")}
    findings |= {"purulent_from": entered["purulent_from"],
                 "evidence_by": entered["evidence_by"], **{s: entered[s] for s in SIGNS}}
    try:
        Findings.from_dict(findings)
    except FindingsError as exc:
        errors[exc.field] = _("Check this answer.") if exc.field != "opened_layer" else _(
            "Say whether the superficial or the deep incision opened.")
        if exc.field == "culture_from":
            errors[exc.field] = _("Say where the culture was taken from.")
    onset = None
    if entered["onset_on"].strip():
        onset = parse_day(entered["onset_on"])
        if onset is None:
            errors["onset_on"] = _("Give the day as dd.mm.yyyy, for example 20.03.2026.")
    if entered["level"] not in {level.value for level in SSILevel}:
        errors["level"] = _("Choose the level.")
    if entered["detected"] and entered["detected"] not in {d.value for d in Detection}:
        errors["detected"] = _("Check this answer.")
    if entered["criterion"] and entered["criterion"] not in CRITERIA:
        errors["criterion"] = _("Check this answer.")
    return {"level": entered["level"], "criterion": entered["criterion"] or None,
            "organ_site": entered["organ_site"] or None, "onset_on": onset,
            "detected": entered["detected"] or None,
            "microorganism": entered["microorganism"].strip() or None,
            "consequences": {c: entered[c] for c in CONSEQUENCES},
            "findings": findings,
            "override_reason": entered["override_reason"] or None}, errors


def _stored_values(case: FollowUp) -> dict[str, Any]:
    stored = classification.classification_of(case)
    if stored is None:
        consequences = classification.reported_consequences(case)
        findings = Findings().as_dict()
        values = {"level": "", "criterion": "", "organ_site": "", "onset_on": "",
                  "detected": "", "microorganism": "", "override_reason": "",
                  **{c: getattr(consequences, c) for c in CONSEQUENCES}}
    else:
        findings = stored.findings
        values = {"level": stored.level.value, "criterion": stored.criterion or "",
                  "organ_site": stored.organ_site or "",
                  "onset_on": stored.onset_on.strftime("%d.%m.%Y") if stored.onset_on else "",
                  "detected": stored.detected.value if stored.detected else "",
                  "microorganism": stored.microorganism or "",
                  "override_reason": stored.override_reason or "",
                  **{c: getattr(stored, c) for c in CONSEQUENCES}}
    for name in ("opened", "opened_layer", "culture", "culture_from", "evidence", "diagnosis"):
        values[name] = findings.get(name) or ""
    for name in ("purulent_from", "evidence_by"):
        values[name] = list(findings.get(name) or [])
    for name in SIGNS:
        values[name] = bool(findings.get(name))
    values["version"] = str(case.version_id)
    return values


def _page(case: FollowUp, values: dict[str, Any], *, proposal=None, errors=None,
          refused=None, status: int = 200, fresh_version: bool = False):
    if proposal is None:
        try:
            findings = Findings.from_dict({
                **_decision(values)[0]["findings"],
                "onset_on": parse_day(values["onset_on"]) if values["onset_on"] else None})
        except FindingsError:
            findings = Findings()
        proposal = classification.proposal_for(case, findings)
    if fresh_version:  # saving again is a choice made after seeing the case as it is now
        values = {**values, "version": str(case.version_id)}
    language = current_language()
    category = catalogue.load().by_key(case.operation.category)
    answer = answers.answer_of(case.id)
    sections = (answered.sections(answers.questionnaire_of(case),
                                  answer.response.get("item", []), language=language)
                if answer else [])
    return render_template(
        "wound_staff/classification.html", case=case, values=values, errors=errors or {},
        refused=refused, proposal=proposal, say=say, sections=sections,
        category=category.name(language) if category else case.operation.category,
        deep_window=classification.deep_window(case),
        classifiable=case.state in classification.CLASSIFIABLE,
        levels=LEVELS, layers=LAYERS, openings=OPENINGS, cultures=CULTURES,
        evidence=EVIDENCE, detections=DETECTIONS, signs=SIGNS, consequences=CONSEQUENCES,
        criteria=CRITERIA, criterion_texts=CRITERION_TEXTS, organ_sites=ORGAN_SITES), status
