"""The rules helper: which NHSN/ECDC level of surgical-site infection the findings staff
recorded meet, and by which criterion. Pure functions, no database; staff confirm.

Levels are checked from organ/space down to superficial; the first level with a criterion
met inside its window is proposed (superficial and deep involved: deep). The window counts
the day of surgery as day 1: superficial SSI 30 days, deep and organ/space the category's
window (30, or 90: ``catalogue.Category.deep_window_days``). Her answers only add notes:
NHSN's criteria rest on what a clinician found (docs/wound-classification.md).

Messages are English with ``%(name)s`` parameters, marked for translation (``N_``); the
web layer translates them with their parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from services.wound.models import SSILevel

#: Superficial SSI is counted 30 days whatever the category.
SUPERFICIAL_WINDOW_DAYS = 30


def N_(message: str) -> str:
    """Mark ``message`` for translation; it is translated where it is shown."""
    return message


class Layer(StrEnum):
    SUPERFICIAL = "superficial"
    DEEP = "deep"
    ORGAN_SPACE = "organ_space"


class Opening(StrEnum):
    DELIBERATE = "deliberate"
    SPONTANEOUS = "spontaneous"


class Culture(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NOT_DONE = "not_done"


class Evidence(StrEnum):
    EXAMINATION = "examination"
    REOPERATION = "reoperation"
    HISTOPATHOLOGY = "histopathology"
    IMAGING = "imaging"


#: Each criterion's code and level, in the order they are checked.
CRITERIA: dict[str, SSILevel] = {
    "organ-space-purulent-drain": SSILevel.ORGAN_SPACE,
    "organ-space-culture": SSILevel.ORGAN_SPACE,
    "organ-space-abscess": SSILevel.ORGAN_SPACE,
    "organ-space-physician": SSILevel.ORGAN_SPACE,
    "deep-purulent": SSILevel.DEEP,
    "deep-dehiscence": SSILevel.DEEP,
    "deep-abscess": SSILevel.DEEP,
    "deep-physician": SSILevel.DEEP,
    "superficial-purulent": SSILevel.SUPERFICIAL,
    "superficial-culture": SSILevel.SUPERFICIAL,
    "superficial-opened": SSILevel.SUPERFICIAL,
    "superficial-physician": SSILevel.SUPERFICIAL,
}
CRITERION_TEXTS: dict[str, str] = {
    "organ-space-purulent-drain": N_("Pus from a drain placed into the organ/space"),
    "organ-space-culture": N_("Organisms from fluid or tissue in the organ/space"),
    "organ-space-abscess": N_("Abscess or other evidence of organ/space infection"),
    "organ-space-physician": N_("Organ/space SSI diagnosed by the surgeon or physician"),
    "deep-purulent": N_("Pus from the deep incision"),
    "deep-dehiscence": N_("Deep incision dehisced or opened, not culture-negative, with "
                          "fever or localised pain"),
    "deep-abscess": N_("Abscess or other evidence of deep incisional infection"),
    "deep-physician": N_("Deep SSI diagnosed by the surgeon or physician"),
    "superficial-purulent": N_("Pus from the superficial incision"),
    "superficial-culture": N_("Organisms from the superficial incision"),
    "superficial-opened": N_("Incision opened by the surgeon, no culture, with pain, "
                             "swelling, redness or heat"),
    "superficial-physician": N_("Superficial SSI diagnosed by the surgeon or physician"),
}
#: NHSN's organ/space sites (Table 3), the ones our categories meet.
ORGAN_SITES: dict[str, str] = {
    "BONE": N_("Osteomyelitis"),
    "BRST": N_("Breast abscess or mastitis"),
    "CARD": N_("Myocarditis or pericarditis"),
    "EMET": N_("Endometritis"),
    "ENDO": N_("Endocarditis"),
    "GIT": N_("Gastrointestinal tract"),
    "IAB": N_("Intra-abdominal infection"),
    "JNT": N_("Joint or bursa"),
    "LUNG": N_("Other lower respiratory tract infection"),
    "MED": N_("Mediastinitis"),
    "OREP": N_("Deep pelvic tissue or other reproductive tract infection"),
    "PJI": N_("Periprosthetic joint infection"),
    "USI": N_("Urinary system infection"),
    "VASC": N_("Arterial or venous infection"),
    "VCUF": N_("Vaginal cuff infection"),
}
_ORDER = (SSILevel.ORGAN_SPACE, SSILevel.DEEP, SSILevel.SUPERFICIAL)


class FindingsError(ValueError):
    """A findings value that is not one we know; ``field`` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class Message:
    """A text for staff: English with ``%(name)s`` parameters; ``field`` where it belongs."""

    text: str
    params: Mapping[str, Any] = field(default_factory=dict)
    field: str | None = None

    def __str__(self) -> str:
        return self.text % dict(self.params) if self.params else self.text


@dataclass(frozen=True)
class Findings:
    """What staff found, as the criteria read it."""

    #: The layers pus drained from (organ/space: from a drain placed into it).
    purulent_from: frozenset[Layer] = frozenset()
    opened: Opening | None = None
    #: Down to which layer it opened (superficial or deep).
    opened_layer: Layer | None = None
    culture: Culture = Culture.NOT_DONE
    culture_from: Layer | None = None
    #: An abscess or other evidence of infection found (deep or organ/space), and how.
    evidence: Layer | None = None
    evidence_by: frozenset[Evidence] = frozenset()
    #: The level the surgeon or attending physician diagnosed.
    diagnosis: SSILevel | None = None
    fever: bool = False
    pain: bool = False
    #: Localised swelling, redness or heat.
    local_signs: bool = False
    onset_on: date | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Findings:
        """Findings from their JSON; :class:`FindingsError` names a value we do not know."""
        data = data or {}
        if not isinstance(data, Mapping):
            raise FindingsError("findings", "findings are an object")
        culture = _enum(Culture, data, "culture") or Culture.NOT_DONE
        found = cls(
            purulent_from=frozenset(_enums(Layer, data, "purulent_from")),
            opened=_enum(Opening, data, "opened"),
            opened_layer=_enum(Layer, data, "opened_layer"),
            culture=culture,
            culture_from=(None if culture is Culture.NOT_DONE
                          else _enum(Layer, data, "culture_from")),
            evidence=_enum(Layer, data, "evidence"),
            evidence_by=frozenset(_enums(Evidence, data, "evidence_by")),
            diagnosis=_enum(SSILevel, data, "diagnosis"),
            fever=_flag(data, "fever"), pain=_flag(data, "pain"),
            local_signs=_flag(data, "local_signs"),
            onset_on=_day(data, "onset_on"))
        if found.opened is not None and found.opened_layer not in (Layer.SUPERFICIAL,
                                                                   Layer.DEEP):
            raise FindingsError("opened_layer", "say whether the superficial or the deep "
                                                "incision opened")
        if found.culture is not Culture.NOT_DONE and found.culture_from is None:
            raise FindingsError("culture_from", "say where the culture was taken from")
        if found.evidence is Layer.SUPERFICIAL:
            raise FindingsError("evidence", "evidence is of the deep incision or the "
                                            "organ/space")
        if found.diagnosis is SSILevel.NONE:
            raise FindingsError("diagnosis", "a diagnosis is of a level of SSI")
        return found

    def as_dict(self) -> dict[str, Any]:
        return {"purulent_from": sorted(self.purulent_from),
                "opened": self.opened, "opened_layer": self.opened_layer,
                "culture": self.culture, "culture_from": self.culture_from,
                "evidence": self.evidence, "evidence_by": sorted(self.evidence_by),
                "diagnosis": self.diagnosis, "fever": self.fever, "pain": self.pain,
                "local_signs": self.local_signs,
                "onset_on": self.onset_on.isoformat() if self.onset_on else None}


def _enum(kind: type[StrEnum], data: Mapping, name: str):
    value = data.get(name)
    if value is None or value == "":
        return None
    try:
        return kind(value)
    except (ValueError, TypeError):
        raise FindingsError(name, f"not one of {', '.join(kind)}") from None


def _enums(kind: type[StrEnum], data: Mapping, name: str) -> list:
    values = data.get(name) or []
    if not isinstance(values, list | tuple | set | frozenset):
        raise FindingsError(name, "a list")
    return [_enum(kind, {name: value}, name) for value in values]


def _flag(data: Mapping, name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise FindingsError(name, "true or false")
    return value


def _day(data: Mapping, name: str) -> date | None:
    value = data.get(name)
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise FindingsError(name, "a day, YYYY-MM-DD") from None


@dataclass(frozen=True)
class Proposal:
    level: SSILevel
    criterion: str | None
    #: Why: the criterion met, the window, or why none.
    reasons: list[Message]
    #: What her answers suggest to look for; never a criterion by themselves.
    notes: list[Message] = field(default_factory=list)
    #: Per level, the criteria the findings meet inside the level's window.
    met: Mapping[SSILevel, tuple[str, ...]] = field(default_factory=dict)
    #: The onset's day after surgery (the day of surgery is day 1); None without onset.
    onset_day: int | None = None


def criteria_met(findings: Findings) -> dict[SSILevel, tuple[str, ...]]:
    """Per level, the criteria the findings meet (the window aside)."""
    f = findings
    opened_layers = {f.opened_layer} if f.opened is not None else set()

    def cultured(layer: Layer, result: Culture) -> bool:
        return f.culture is result and f.culture_from is layer

    checks = {
        "organ-space-purulent-drain": Layer.ORGAN_SPACE in f.purulent_from,
        "organ-space-culture": cultured(Layer.ORGAN_SPACE, Culture.POSITIVE),
        "organ-space-abscess": f.evidence is Layer.ORGAN_SPACE,
        "organ-space-physician": f.diagnosis is SSILevel.ORGAN_SPACE,
        "deep-purulent": Layer.DEEP in f.purulent_from,
        "deep-dehiscence": (Layer.DEEP in opened_layers
                            and not cultured(Layer.DEEP, Culture.NEGATIVE)
                            and (f.fever or f.pain)),
        "deep-abscess": f.evidence is Layer.DEEP,
        "deep-physician": f.diagnosis is SSILevel.DEEP,
        "superficial-purulent": Layer.SUPERFICIAL in f.purulent_from,
        "superficial-culture": cultured(Layer.SUPERFICIAL, Culture.POSITIVE),
        # An opening down to the deep layer passes through the superficial one.
        "superficial-opened": (f.opened is Opening.DELIBERATE
                               and not cultured(Layer.SUPERFICIAL, Culture.NEGATIVE)
                               and not cultured(Layer.SUPERFICIAL, Culture.POSITIVE)
                               and (f.pain or f.local_signs)),
        "superficial-physician": f.diagnosis is SSILevel.SUPERFICIAL,
    }
    return {level: tuple(code for code, met in checks.items()
                         if met and CRITERIA[code] is level) for level in _ORDER}


def window_of(level: SSILevel, *, implant_window_days: int) -> int:
    return SUPERFICIAL_WINDOW_DAYS if level is SSILevel.SUPERFICIAL else implant_window_days


def propose(*, findings: Findings, answers: Iterable[tuple[str, str]], operation_day: date,
            implant_window_days: int) -> Proposal:
    """The level and criterion the findings meet, checked from organ/space down."""
    notes = _notes(answers)
    met = criteria_met(findings)
    onset = findings.onset_on
    day = (onset - operation_day).days + 1 if onset is not None else None
    if day is not None and day < 1:
        return Proposal(SSILevel.NONE, None, [Message(N_(
            "The onset is before the operation: not an infection after this operation."))],
            notes, {level: () for level in _ORDER}, day)
    reasons: list[Message] = []
    inside: dict[SSILevel, tuple[str, ...]] = {}
    for level in _ORDER:
        window = window_of(level, implant_window_days=implant_window_days)
        inside[level] = met[level] if day is None or day <= window else ()
        if met[level] and not inside[level]:
            reasons.append(Message(N_(
                "%(criterion)s is met, but the onset on day %(day)s is outside the "
                "%(window)s-day window of %(level)s SSI."),
                {"criterion": met[level][0], "day": day, "window": window,
                 "level": level.value}))
    for level in _ORDER:
        if inside[level]:
            criterion = inside[level][0]
            reasons.insert(0, Message(N_("%(criterion)s: %(level)s SSI."),
                                      {"criterion": criterion, "level": level.value}))
            reasons.append(_window_reason(day, level, implant_window_days))
            return Proposal(level, criterion, reasons, notes, inside, day)
    if not reasons:
        reasons.append(Message(N_("The findings meet no criterion: no SSI.")))
    else:
        reasons.append(Message(N_("No SSI under surveillance.")))
    return Proposal(SSILevel.NONE, None, reasons, notes, inside, day)


def _window_reason(day: int | None, level: SSILevel, implant_window_days: int) -> Message:
    if day is None:
        return Message(N_("No onset date yet: the window is not checked."), field="onset_on")
    return Message(N_("The onset on day %(day)s (the day of surgery is day 1) is inside the "
                      "%(window)s-day window."),
                   {"day": day, "window": window_of(level,
                                                    implant_window_days=implant_window_days)})


#: Her answers that suggest a finding to look for: (linkId, answers) → note.
_SUGGESTIONS: tuple[tuple[str, frozenset[str], str], ...] = (
    ("pus", frozenset({"a-little", "quite-a-bit", "a-lot"}),
     N_("She reported pus: record purulent drainage if a clinician saw or documented it.")),
    ("opened", frozenset({"true"}),
     N_("She reported that the wound opened by itself.")),
    ("opened-deep", frozenset({"true"}),
     N_("She reported that it opened down to deeper tissue or the stitches came loose.")),
    ("opened-by-doctor", frozenset({"true"}),
     N_("She reported that a doctor or nurse opened the wound or drained fluid.")),
    ("fever", frozenset({"true"}), N_("She reported fever over 38 °C.")),
    ("antibiotics", frozenset({"true"}), N_("She reported antibiotics for the wound.")),
    ("readmitted", frozenset({"true"}),
     N_("She reported being admitted again because of the wound.")),
    ("reoperated", frozenset({"true"}),
     N_("She reported being operated on again because of the wound.")),
)


def _notes(answers: Iterable[tuple[str, str]]) -> list[Message]:
    given = set(answers)
    notes = [Message(text) for link, codes, text in _SUGGESTIONS
             if any((link, code) in given for code in codes)]
    if notes:
        notes.append(Message(N_("Her answers alone meet no criterion: NHSN needs what a "
                                "clinician found.")))
    return notes


def contradictions(*, level: SSILevel, findings: Findings, proposal: Proposal,
                   criterion: str | None = None) -> list[Message]:
    """What the findings cannot support in the level (and criterion) chosen."""
    found: list[Message] = []
    if level is SSILevel.NONE:
        if proposal.level is not SSILevel.NONE:
            found.append(Message(N_("No SSI, but the findings meet %(criterion)s."),
                                 {"criterion": proposal.criterion}, field="level"))
        if criterion is not None:
            found.append(Message(N_("No SSI has no criterion."), field="criterion"))
        return found
    if findings.onset_on is None:
        found.append(Message(N_("An SSI needs its onset date."), field="onset_on"))
    met = proposal.met.get(level, ())
    if not met:
        found.append(Message(N_("The findings meet no criterion of %(level)s SSI inside "
                                "its window."), {"level": level.value}, field="level"))
    elif criterion is not None and criterion not in met:
        found.append(Message(N_("The findings do not meet %(criterion)s."),
                             {"criterion": criterion}, field="criterion"))
    return found
