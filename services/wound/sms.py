"""The questionnaire by SMS, for those who opted in (the notification setting
``answer_by_sms``): a short dialogue answered by reply digits, through the notifications'
inbound routing (``services.notify.inbound``).

- The invitation's and each reminder's SMS end "Vil du heller svare her på SMS? Svar 1
  for ja, 2 for nei." and a conversation waits for the answer for WOUND_SMS_DIALOGUE_HOURS
  (48). "1" starts the dialogue, which then has that long from its start; "2" ends it.
- The questions asked are the questionnaire's own rule: every **required** item that is
  enabled by her answers so far and not yet answered, one at a time, in order (the
  questionnaire file decides; ``services.fhir.questionnaire.missing_required``). Optional
  items (the day it began) are left to the web: they are not needed for a final answer. So
  the SMS answer is as complete as a web answer, and nothing is made up for her.
- An item is asked by SMS when the dialogue's templates have a text and a digit legend for
  it (``templates/notifications/wound.sms-dialogue/``) and it is a yes/no or a choice of at
  most nine; digit *n* is the *n*-th answerOption (yes/no: 1 yes, 2 no). A required item
  that cannot be asked so (another questionnaire version) ends the dialogue: what she
  answered stays as the draft and the reply sends her to helsenorge.no.
- Each reply is saved at once as the case's draft (``answers.save``), so nothing is lost
  when the dialogue expires or she goes on on the web; the last one makes it final.
- A reply that is not one of the digits is answered with the question again. After the
  dialogue expires a reply gets the notifications' neutral answer (it names nobody).
- The texts name no diagnosis, no operation and no unit: the signs, and "the scar".
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from services.actors import Actor, ActorKind
from services.db import db
from services.fhir.questionnaire import missing_required
from services.notify import content
from services.notify.addresses import InvalidNumber, normalise_mobile
from services.notify.contacts import resolve
from services.notify.inbound import close_conversation, open_conversation, reply_handler
from services.notify.krr import KrrUnavailable
from services.notify.models import Conversation, Notification, NotificationSettings
from services.notify.service import goes_by_sms
from services.notify.settings import language_of
from services.people.models import Person
from services.wound import answers, questionnaires
from services.wound.config import channel_settings
from services.wound.models import AnswerChannel, AnswerStatus, FollowUp

log = logging.getLogger(__name__)

KIND = "wound.answers"
TEMPLATES = "wound.sms-dialogue"
#: The step a conversation waits at: the offer, or the linkId of the question asked.
OFFER = "offer"
ASKABLE_TYPES = frozenset({"boolean", "choice"})
MAX_OPTIONS = 9


def offered_to(person_ids: Collection[int]) -> set[int]:
    """Those of them who opted in to answering by SMS (one query)."""
    if not person_ids:
        return set()
    return set(db.session.scalars(sa.select(NotificationSettings.person_id).where(
        NotificationSettings.person_id.in_(person_ids), NotificationSettings.answer_by_sms)))


def offer(*, case: FollowUp, decided: list[Notification], now: datetime) -> bool:
    """Wait for her answer to the offer in the notice just decided, if it goes by SMS.
    Any earlier dialogue of the case ends: a notice starts it afresh (her answers so far
    are kept in the draft)."""
    if not goes_by_sms(decided):
        return False
    person = db.session.get(Person, case.person_id)
    try:
        phone = normalise_mobile(resolve(person).mobile or "")
    except (KrrUnavailable, InvalidNumber):
        log.info("a wound notice without an SMS dialogue: no number known now")
        return False
    _end_dialogue(case.id, now=now)
    open_conversation(person_id=person.id, phone=phone, kind=KIND, ref=_ref(case.id, OFFER),
                      expires_at=now + _hours())
    return True


@reply_handler(KIND)
def reply(*, conversation: Conversation, body: str, now: datetime) -> str:
    """Her reply to the offer or to a question; the text to answer with."""
    case_id, step = _parse_ref(conversation.ref)
    case = db.session.get(FollowUp, case_id) if case_id is not None else None
    person = db.session.get(Person, conversation.person_id)
    say = _Texts(person)
    if case is None or case.person_id != conversation.person_id:
        close_conversation(kind=KIND, ref=conversation.ref, now=now)
        return say("closed")
    if case.state not in answers.OPEN:
        _end_dialogue(case.id, now=now)
        stored = answers.answer_of(case.id)
        return say("answered" if stored is not None and stored.status is AnswerStatus.FINAL
                   else "closed")
    digit = _digit(body)
    questionnaire = answers.questionnaire_of(case)
    if step == OFFER:
        if digit == 2:
            _end_dialogue(case.id, now=now)
            return say("declined")
        if digit != 1:
            return say("offer-unclear")
        return _ask_next(case, conversation, questionnaire, _items_of(case), say, now=now,
                         expires_at=now + _hours(), first=True)
    item = _definitions(questionnaire).get(step)
    options = _options(item) if item is not None else []
    if not options:  # the questionnaire changed under the dialogue
        _end_dialogue(case.id, now=now)
        return say("web")
    if digit is None or not 1 <= digit <= len(options):
        return say("unclear", **_question(item, _number_of(case, questionnaire) + 1))
    items = _with_answer(_items_of(case), questionnaire, step, options[digit - 1])
    refused = _save(case, items, final=False)
    if refused:
        _end_dialogue(case.id, now=now)
        return say(refused)
    return _ask_next(case, conversation, questionnaire, items, say, now=now,
                     expires_at=conversation.expires_at)


def _ask_next(case: FollowUp, conversation: Conversation, questionnaire: dict[str, Any],
              items: list[dict[str, Any]], say: _Texts, *, now: datetime,
              expires_at: datetime, first: bool = False) -> str:
    close_conversation(kind=KIND, ref=conversation.ref, now=now)
    link_id = _next_question(case, questionnaire, items)
    if link_id is None:
        return say(_save(case, items, final=True) or "thanks")
    item = _definitions(questionnaire)[link_id]
    if not say.can_ask(item):
        return say("web")
    open_conversation(person_id=conversation.person_id, phone=conversation.phone, kind=KIND,
                      ref=_ref(case.id, link_id), expires_at=expires_at)
    number = _number_of(case, questionnaire, items) + 1
    return say("start" if first else "question", **_question(item, number),
               hours=channel_settings().sms_dialogue_hours)


def _save(case: FollowUp, items: list[dict[str, Any]], *, final: bool) -> str | None:
    """Save her answers so far (``final``: as her answer); None, or the message that says
    why they could not be."""
    try:
        answers.save(case_id=case.id, response=_resource(case, items), final=final,
                     channel=AnswerChannel.SMS, actor=inbound_actor(case))
    except answers.AlreadyFinal:
        return "answered"
    except answers.NotOpen:
        return "closed"
    except answers.AnswerRefused as exc:  # a draft from the web the dialogue cannot mend
        log.warning("an SMS answer was refused", extra={"case_id": case.id,
                                                         "problems": len(exc.problems)})
        return "web"
    return None


def _next_question(case: FollowUp, questionnaire: dict[str, Any],
                   items: list[dict[str, Any]]) -> str | None:
    """The first required, enabled item not answered yet; a missing group is opened (it is
    answered through its items)."""
    definitions = _definitions(questionnaire)
    probe = copy.deepcopy(items)
    for _ in range(len(definitions) + 1):  # each round opens a group, or ends
        missing = missing_required(_resource(case, probe), questionnaire)
        questions = [link for link in missing
                     if definitions[link].get("type") not in ("group", "display")]
        if questions:
            return questions[0]
        groups = [link for link in missing if definitions[link].get("type") == "group"
                  and _find(probe, link) is None]
        if not groups:
            return None
        probe = _placed(probe, questionnaire, groups[0], {"linkId": groups[0], "item": []})
    return None


def _number_of(case: FollowUp, questionnaire: dict[str, Any],
               items: list[dict[str, Any]] | None = None) -> int:
    """How many questions she has answered (the one asked now is the next)."""
    found = _items_of(case) if items is None else items
    definitions = _definitions(questionnaire)
    return sum(1 for link in _answered_links(found)
               if definitions.get(link, {}).get("type") not in ("group", "display"))


# -- the response's items ----------------------------------------------------------------


def _items_of(case: FollowUp) -> list[dict[str, Any]]:
    stored = answers.answer_of(case.id)
    return copy.deepcopy(stored.response.get("item", [])) if stored is not None else []


def _resource(case: FollowUp, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "QuestionnaireResponse", "questionnaire": answers.canonical(case),
            "status": "in-progress", "item": items}


def _with_answer(items: list[dict[str, Any]], questionnaire: dict[str, Any], link_id: str,
                 answer: dict[str, Any]) -> list[dict[str, Any]]:
    return _placed(items, questionnaire, link_id, {"linkId": link_id, "answer": [answer]})


def _placed(items: list[dict[str, Any]], questionnaire: dict[str, Any], link_id: str,
            new: dict[str, Any]) -> list[dict[str, Any]]:
    """``items`` with ``new`` in its place: under its groups (made where missing) or its
    question's answer, among its siblings in the questionnaire's order, replacing one of
    the same linkId."""
    items = copy.deepcopy(items)
    container = items
    for ancestor in _ancestors(questionnaire, link_id):
        found = next((i for i in container if i.get("linkId") == ancestor["linkId"]), None)
        if found is None:
            found = {"linkId": ancestor["linkId"], "item": []}
            container.append(found)
            _sort(container, questionnaire)
        if ancestor.get("type") == "group" or "item" in found:
            container = found.setdefault("item", [])
        else:  # a question's child items go in its answer (R4)
            container = found["answer"][0].setdefault("item", [])
    container[:] = [i for i in container if i.get("linkId") != link_id] + [new]
    _sort(container, questionnaire)
    return items


def _find(items: list[dict[str, Any]], link_id: str) -> dict[str, Any] | None:
    for item in items:
        if item.get("linkId") == link_id:
            return item
        nested = [*item.get("item", []),
                  *(child for a in item.get("answer", []) for child in a.get("item", []))]
        found = _find(nested, link_id)
        if found is not None:
            return found
    return None


def _answered_links(items: list[dict[str, Any]]) -> list[str]:
    found = []
    for item in items:
        if item.get("answer"):
            found.append(item.get("linkId"))
        found += _answered_links([*item.get("item", []), *(
            child for a in item.get("answer", []) for child in a.get("item", []))])
    return found


def _sort(container: list[dict[str, Any]], questionnaire: dict[str, Any]) -> None:
    order = _order(questionnaire)
    container.sort(key=lambda i: order.get(i.get("linkId"), len(order)))


@functools.cache
def _index(url: str, version: str) -> tuple[dict[str, dict], dict[str, list[dict]],
                                            dict[str, int]]:
    definitions, ancestors, order = {}, {}, {}

    def walk(items, parents):
        for item in items:
            definitions[item["linkId"]] = item
            ancestors[item["linkId"]] = parents
            order[item["linkId"]] = len(order)
            walk(item.get("item", []), [*parents, item])

    walk(questionnaires.questionnaire(url, version).get("item", []), [])
    return definitions, ancestors, order


def _key(questionnaire: dict[str, Any]) -> tuple[str, str]:
    return questionnaire["url"], questionnaire["version"]


def _definitions(questionnaire: dict[str, Any]) -> dict[str, dict]:
    return _index(*_key(questionnaire))[0]


def _ancestors(questionnaire: dict[str, Any], link_id: str) -> list[dict]:
    return _index(*_key(questionnaire))[1][link_id]


def _order(questionnaire: dict[str, Any]) -> dict[str, int]:
    return _index(*_key(questionnaire))[2]


# -- what she replies, what we say -------------------------------------------------------


def _options(item: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The answers digit 1, 2 ... stand for; empty if the item is not asked by digit."""
    if item is None or item.get("type") not in ASKABLE_TYPES:
        return []
    if item["type"] == "boolean":
        return [{"valueBoolean": True}, {"valueBoolean": False}]
    codings = [o["valueCoding"] for o in item.get("answerOption", []) if "valueCoding" in o]
    if not codings or len(codings) > MAX_OPTIONS:
        return []
    return [{"valueCoding": {k: c[k] for k in ("system", "code", "display") if k in c}}
            for c in codings]


def _legend(item: dict[str, Any]) -> str:
    """Which digit legend the templates use for ``item``: yes/no, or its options' system."""
    if item.get("type") == "boolean":
        return "boolean"
    options = item.get("answerOption") or [{}]
    return options[0].get("valueCoding", {}).get("system", "")


def _question(item: dict[str, Any], number: int) -> dict[str, Any]:
    return {"question": item["linkId"], "legend": _legend(item), "number": number}


_DIGIT = re.compile(r"\s*([1-9])\s*[.!]?\s*")


def _digit(body: str) -> int | None:
    match = _DIGIT.fullmatch(body)
    return int(match.group(1)) if match else None


class _Texts:
    """The dialogue's texts in her language (templates/notifications/wound.sms-dialogue)."""

    def __init__(self, person: Person | None) -> None:
        self.language = (language_of(person, db.session.get(NotificationSettings, person.id))
                         if person is not None else content.DEFAULT_LANGUAGE)

    def __call__(self, message: str, **context: Any) -> str:
        return content.render_sms(event=TEMPLATES, language=self.language, sender=None,
                                  context={"message": message, **context})

    def can_ask(self, item: dict[str, Any]) -> bool:
        texts = _texts(self.language)
        return (bool(_options(item)) and item["linkId"] in texts.questions
                and _legend(item) in texts.legends)


def _texts(language: str):
    """The questions and legends the templates have (their exported variables)."""
    return content.environment().get_template(f"{TEMPLATES}/questions.{language}.txt").module


# -- conversations -----------------------------------------------------------------------


def _ref(case_id: int, step: str) -> str:
    return f"wound-case:{case_id}:{step}"


def _parse_ref(ref: str) -> tuple[int | None, str]:
    kind, _, rest = ref.partition(":")
    raw, _, step = rest.partition(":")
    return (int(raw) if kind == "wound-case" and raw.isascii() and raw.isdigit() else None,
            step)


def _end_dialogue(case_id: int, *, now: datetime) -> None:
    refs = db.session.scalars(sa.select(Conversation.ref).where(
        Conversation.kind == KIND, Conversation.ref.like(f"wound-case:{case_id}:%"),
        Conversation.closed_at.is_(None))).all()
    for ref in set(refs):
        close_conversation(kind=KIND, ref=ref, now=now)


def _hours() -> timedelta:
    return timedelta(hours=channel_settings().sms_dialogue_hours)


def inbound_actor(case: FollowUp) -> Actor:
    """Whoever holds her number, answering for her (we cannot tell who that is)."""
    return Actor(ActorKind.SYSTEM, "sms-inbound", on_behalf_of=case.person_id)

