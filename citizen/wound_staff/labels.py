"""What the staff's surveillance pages call the codes of a case: its states, the worklist's
groups, note topics, call outcomes, the hospital's reported events, and the worklist
filters' errors."""

from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l

from citizen.babel_cache import gettext as _
from citizen.babel_cache import ngettext
from citizen.i18n import current_language
from citizen.wound_staff.statistics import error_text
from services.wound.models import CallOutcome, CaseState, ReportedEventKind
from services.wound.review import STATE_TOPIC
from services.wound.worklist import FLAGGED, REST, TO_CALL, WAITING_RANK, Entry

STATES = {
    CaseState.SCHEDULED: _l("Scheduled"),
    CaseState.INVITED: _l("Invited"),
    CaseState.REMINDED: _l("Reminded"),
    CaseState.ANSWERED: _l("Answered"),
    CaseState.NON_RESPONDER: _l("Did not answer"),
    CaseState.TRIAGED: _l("Triaged"),
    CaseState.UNDER_REVIEW: _l("Under review"),
    CaseState.AWAITING_INFORMATION: _l("Awaiting information"),
    CaseState.CLASSIFIED: _l("Classified"),
    CaseState.CLOSED: _l("Finished"),
    CaseState.LOST: _l("Lost to follow-up"),
}
#: The button that moves a case to a state.
MOVES = {
    CaseState.TRIAGED: _l("Mark as triaged"),
    CaseState.UNDER_REVIEW: _l("Review the case"),
    CaseState.AWAITING_INFORMATION: _l("Wait for information"),
    CaseState.CLOSED: _l("Close the case"),
    CaseState.LOST: _l("Lost to follow-up"),
}
GROUPS = {
    FLAGGED: _l("Flagged answers"),
    TO_CALL: _l("Not answered: to call"),
    REST: _l("Other cases"),
    WAITING_RANK: _l("Waiting for the answer"),
}
GROUP_IDS = {FLAGGED: "flagged", TO_CALL: "to-call", REST: "rest", WAITING_RANK: "waiting"}
TOPICS = {
    "patient-contacted": _l("Patient contacted"),
    "gp-contacted": _l("GP contacted"),
    "records-requested": _l("Records requested"),
    "culture-requested": _l("Culture result requested"),
    "other": _l("Other"),
}
OUTCOMES = {
    CallOutcome.REACHED: _l("Reached"),
    CallOutcome.NO_ANSWER: _l("No answer"),
    CallOutcome.WRONG_NUMBER: _l("Wrong number"),
    CallOutcome.ANSWERED_BY_PHONE: _l("Answered the questionnaire on the phone"),
}
EVENTS = {
    ReportedEventKind.READMITTED: _l("Readmitted"),
    ReportedEventKind.REOPERATED: _l("Reoperated"),
    ReportedEventKind.DIED: _l("Died"),
}


def state_name(state: CaseState) -> str:
    return _state_name(state, current_language())


# Translated once per process and language (the catalogues do not change while it runs):
# a worklist page names a state and a day ~70 and 50 times.
@functools.lru_cache(maxsize=64)
def _state_name(state: CaseState, _language: str) -> str:
    return str(STATES[state])


def follow_up_day(day: int) -> str:
    """The day of follow-up (days since the operation)."""
    return _follow_up_day(day, current_language())


@functools.lru_cache(maxsize=1024)
def _follow_up_day(day: int, _language: str) -> str:
    return _("Day %(day)d", day=day)


def why_listed(entry: Entry) -> str:
    """Why a worklist entry is where it is: its red flags, its score, the days without an
    answer; a dash when none applies. Built here, not in the template: each translation
    called in a template loop copies the template's context (a third of the page)."""
    why = []
    if entry.red_flags:
        why.append(_("Red flags: %(flags)s", flags=", ".join(entry.red_flags)))
    if entry.score is not None and entry.case.answered_at:
        why.append(_("Score %(score)d", score=entry.score))
    if entry.days_without_answer is not None:
        why.append(ngettext("%(num)d day without an answer", "%(num)d days without an answer",
                            entry.days_without_answer))
    return "; ".join(why) if why else "–"


def topic_name(topic: str | None) -> str:
    """A note's topic; a note written with a move names the state it moved to."""
    if topic and topic.startswith(STATE_TOPIC):
        try:
            return _("Moved to %(state)s", state=state_name(CaseState(
                topic.removeprefix(STATE_TOPIC))))
        except ValueError:
            return topic
    return str(TOPICS.get(topic or "", topic or ""))


def filter_error(code: str) -> str:
    """A worklist filter's error (``worklist_query.FilterError``); the codes it shares with
    the statistics' filters read as they do there."""
    if code == "unknown_unit":
        return _("Choose a unit from the list.")
    if code == "unknown_state":
        return _("Choose a state from the list.")
    return error_text(code)
