"""The wound follow-up Questionnaire: versioned FHIR R4 data files in ``questionnaires/``
(ours, and any a hospital loads, such as a licensed instrument it holds), each readable by
``url`` and ``version``.

What citizens' portals render decides what a questionnaire may contain: only item types
that both LHC-Forms and helsenorge's Refero support, with closed answers (no free text).
:func:`problems_of` checks a file against that, so a questionnaire that one of them would
render wrongly never reaches a citizen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from services.fhir import mapping

FOLDER = Path(__file__).with_name("questionnaires")
#: Item types both renderers support; "string" and "text" (free text) are left out on
#: purpose: the answers are closed, as in MRS POSI.
RENDERABLE_TYPES = frozenset({"group", "display", "boolean", "choice", "integer", "decimal",
                              "date"})
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
CRITERION_SYSTEM = "https://minhelse.no/fhir/CodeSystem/ssi-criterion"
#: Besides bokmål in ``text``, every text has these translations.
TRANSLATED = ("nn", "en")
_OPERATORS = frozenset({"exists", "=", "!=", ">", "<", ">=", "<="})


def translations(element: dict[str, Any] | None) -> dict[str, str]:
    """The translations on a primitive's extension element (``_text``, ``_display``)."""
    found = {}
    for extension in (element or {}).get("extension", []):
        if extension.get("url") != TRANSLATION:
            continue
        parts = {part.get("url"): part for part in extension.get("extension", [])}
        lang, content = parts.get("lang", {}).get("valueCode"), parts.get(
            "content", {}).get("valueString")
        if lang and content:
            found[lang] = content
    return found


def items(questionnaire: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item, depth first."""
    stack = list(reversed(questionnaire.get("item", [])))
    while stack:
        item = stack.pop()
        yield item
        stack.extend(reversed(item.get("item", [])))


def problems_of(questionnaire: dict[str, Any]) -> list[str]:
    """Why ``questionnaire`` cannot be offered to citizens; empty when it can."""
    problems = []
    seen: set[str] = set()
    for item in items(questionnaire):
        link = item.get("linkId", "?")
        if link in seen:
            problems.append(f"{link}: linkId used twice")
        kind = item.get("type")
        if kind not in RENDERABLE_TYPES:
            problems.append(f"{link}: type {kind!r} is not rendered by both LHC-Forms and "
                            "Refero, or is free text")
        missing = set(TRANSLATED) - set(translations(item.get("_text")))
        if "text" in item and missing:
            problems.append(f"{link}: text lacks a translation ({', '.join(sorted(missing))})")
        if kind not in ("group", "display") and not any(
                code.get("system") == CRITERION_SYSTEM for code in item.get("code", [])):
            problems.append(f"{link}: no NHSN criterion it informs (code in {CRITERION_SYSTEM})")
        for option in item.get("answerOption", []):
            coding = option.get("valueCoding")
            if coding is None:
                problems.append(f"{link}: an answerOption that is not a Coding")
            elif set(TRANSLATED) - set(translations(coding.get("_display"))):
                problems.append(f"{link}: option {coding.get('code')} lacks a translation")
        for condition in item.get("enableWhen", []):
            if condition.get("question") not in seen:
                problems.append(f"{link}: enableWhen names {condition.get('question')!r}, "
                                "not an item before it")
            if condition.get("operator") not in _OPERATORS:
                problems.append(f"{link}: enableWhen operator {condition.get('operator')!r}")
        seen.add(link)
    return problems


@cache
def published() -> dict[tuple[str, str], dict[str, Any]]:
    """Every questionnaire file, by (url, version)."""
    found = {}
    for path in sorted(FOLDER.glob("*.json")):
        questionnaire = json.loads(path.read_text(encoding="utf-8"))
        found[(questionnaire["url"], questionnaire["version"])] = questionnaire
    return found


def questionnaire(url: str, version: str | None = None) -> dict[str, Any] | None:
    """The questionnaire with ``url`` and ``version`` (the newest active one if None)."""
    candidates = [q for (u, _), q in published().items() if u == url and (
        q["version"] == version if version is not None else q.get("status") == "active")]
    return max(candidates, key=lambda q: _version_key(q["version"]), default=None)


def _version_key(version: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in version.split("."))


SEVERITY_SYSTEM = "https://minhelse.no/fhir/CodeSystem/wound-sign-severity"
_CODE_SYSTEMS = {
    CRITERION_SYSTEM: ("ssi-criterion", "SsiCriterion", "What a wound questionnaire item informs",
                       "The NHSN/ECDC surgical site infection criterion element each item of "
                       "Min helse's wound questionnaires informs (Questionnaire.item.code)."),
    SEVERITY_SYSTEM: ("wound-sign-severity", "WoundSignSeverity", "How much of a wound sign",
                      "The closed severity scale of the wound questionnaire's signs."),
}


def code_system(system: str) -> dict[str, Any]:
    """A CodeSystem the published questionnaires use, built from them: its codes are what
    the questionnaires say, so the two cannot drift apart."""
    identifier, name, title, description = _CODE_SYSTEMS[system]
    concepts: dict[str, str] = {}
    for published_questionnaire in published().values():
        for item in items(published_questionnaire):
            codings = [c for c in item.get("code", []) if c.get("system") == system]
            codings += [o["valueCoding"] for o in item.get("answerOption", [])
                        if o.get("valueCoding", {}).get("system") == system]
            for coding in codings:
                concepts.setdefault(coding["code"], coding.get("display", coding["code"]))
    return mapping.code_system(
        id=identifier, url=system, name=name, title=title, description=description,
        concepts=[{"code": code, "display": display} for code, display in concepts.items()])
