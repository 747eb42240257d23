"""The questionnaire by SMS, for those who opted in: offered in the notice, answered with
reply digits through the notifications' inbound routing, saved as a draft at each reply
and final at the last; wrong digits get the question again, the dialogue expires, and no
text names a diagnosis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.actors import Actor
from services.db import db
from services.fhir.questionnaire import validate_response
from services.notify import content
from services.notify.inbound import NEUTRAL_REPLY, handle_inbound
from services.notify.models import Conversation, Notification
from services.notify.settings import update_settings
from services.outbox.models import OutboxMessage
from services.wound import answers, questionnaires, sms
from services.wound.config import set_channel_settings
from services.wound.invitations import take_due_steps
from services.wound.models import Answer, AnswerChannel, AnswerStatus, CaseState, FollowUp
from tests.citizen.test_twilio_webhooks import twilio_app, webhook  # noqa: F401  (fixtures)
from tests.plugins.db import table_rows
from tests.plugins.factories import make_organisation, make_person
from tests.services.notify.test_content_safety import _problems
from tests.services.wound.answering import response
from tests.services.wound.factories import make_case

PHONE = "+4791234567"
#: 10:00 in Oslo on the due day.
INVITED = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
SIGNS = ("redness", "warmth", "swelling", "pain", "clear-fluid", "bloody-fluid", "pus")
SEVERITY = ["none", "a-little", "quite-a-bit", "a-lot"]


@pytest.fixture
def hospital(db):
    return make_organisation()


@pytest.fixture
def patient(hospital):
    person = make_person(given_name="Ola", family_name="Hansen")
    person.mobile = PHONE
    db.session.commit()
    return person


def opt_in(person, **more):
    update_settings(person_id=person.id, actor=Actor.person(person.id), answer_by_sms=True,
                    **more)
    db.session.commit()


@pytest.fixture
def clock(frozen_clock):
    frozen_clock.move_to(INVITED)
    return frozen_clock


@pytest.fixture
def invited(patient, hospital, notify_rules, clock):
    """Her case invited by the due job after she opted in."""
    opt_in(patient)
    case = make_case(patient, hospital)
    take_due_steps(now=INVITED)
    db.session.commit()
    return case


def reply(body: str, *, phone: str = PHONE, at: datetime | None = None) -> str:
    text = handle_inbound(from_=phone, body=body, now=at or datetime.now(UTC))
    db.session.commit()
    return text


def open_conversations() -> list[Conversation]:
    return [c for c in table_rows(Conversation) if c.closed_at is None]


def notice_sms() -> str:
    [message] = [m for m in table_rows(OutboxMessage) if m.channel == "sms"]
    return message.payload["body"]


def stored() -> Answer | None:
    db.session.expire_all()
    found = table_rows(Answer)
    return found[0] if found else None


def test_the_notice_offers_the_dialogue_and_a_conversation_waits(invited):
    assert notice_sms() == ("St. Olavs hospital har noen spørsmål til deg. Logg inn på "
                            "helsenorge.no for å svare. Vil du heller svare her på SMS? "
                            "Svar 1 for ja, 2 for nei.")
    [waiting] = open_conversations()
    assert (waiting.kind, waiting.ref, waiting.phone) == (
        "wound.answers", f"wound-case:{invited.id}:offer", PHONE)
    assert waiting.expires_at == INVITED + timedelta(hours=48)


def test_without_opting_in_there_is_no_offer(patient, hospital, notify_rules, clock):
    make_case(patient, hospital)
    take_due_steps(now=INVITED)
    db.session.commit()
    assert "SMS" not in notice_sms()
    assert table_rows(Conversation) == []
    assert reply("1") == NEUTRAL_REPLY


def test_a_notice_by_e_mail_opens_no_dialogue(patient, hospital, notify_rules, clock):
    opt_in(patient, channels="email", email="ola@example.no")
    make_case(patient, hospital)
    take_due_steps(now=INVITED)
    db.session.commit()
    assert {n.channel for n in table_rows(Notification)} == {"email"}
    assert table_rows(Conversation) == []


def test_the_whole_dialogue_ends_in_her_final_answer(invited, notify_rules):
    first = reply("1")
    assert first == ("Takk! Svar med ett tall på hvert spørsmål. Du har 48 timer på deg. "
                     "Spørsmål 1: Har du hatt rødhet som brer seg utover i huden rundt arret? "
                     "Svar 1 nei, 2 litt, 3 en del, 4 mye.")
    texts = [first]
    for digit in ("2", "1", "1", "4", "1", "1", "1"):  # the seven signs
        texts.append(reply(digit))
    assert texts[-1].startswith("Spørsmål 8: Har arret åpnet seg av seg selv?")
    assert texts[-1].endswith("Svar 1 for ja, 2 for nei.")
    assert stored().status is AnswerStatus.DRAFT and stored().channel is AnswerChannel.SMS
    texts += [reply("2"), reply("2.")]  # not opened, no fever
    assert texts[-1].startswith("Spørsmål 10: Har du kontaktet lege")
    done = reply(" 2 ")  # no advice sought: the rest of "care" is not asked
    assert done == "Takk! Vi har fått svarene dine."

    answer = stored()
    assert (answer.status, answer.channel) == (AnswerStatus.FINAL, AnswerChannel.SMS)
    assert answer.answered_by == "system:sms-inbound"
    case = db.session.get(FollowUp, invited.id)
    assert (case.state, case.answered_via) == (CaseState.ANSWERED, AnswerChannel.SMS)
    signs = {i["linkId"]: i["answer"][0] for i in answer.response["item"][0]["item"]}
    assert [signs[s]["valueCoding"]["code"] for s in SIGNS] == [
        "a-little", "none", "none", "a-lot", "none", "none", "none"]
    assert (signs["opened"], signs["fever"]) == ({"valueBoolean": False},
                                                 {"valueBoolean": False})
    questionnaire = answers.questionnaire_of(case)
    assert validate_response({"resourceType": "QuestionnaireResponse", **answer.response},
                             questionnaire) == []
    assert open_conversations() == []
    assert reply("1") == NEUTRAL_REPLY
    for text in texts:
        assert _problems(text) == [], text


def _answer_signs():
    reply("1")
    for _ in SIGNS:
        reply("1")


def test_yes_asks_what_it_enables(invited):
    _answer_signs()
    assert reply("1").startswith("Spørsmål 9: Kunne du se vevet under huden")  # opened
    assert reply("2").startswith("Spørsmål 10: Har du hatt feber")
    reply("1")  # fever
    assert reply("1").startswith("Spørsmål 12: Har du fått antibiotika")  # sought advice
    for expected in ("Har en lege eller sykepleier", "Har du blitt lagt inn",
                     "Har du hatt et nytt inngrep"):
        assert expected in reply("2")
    assert reply("2") == "Takk! Vi har fått svarene dine."
    answer = stored()
    assert answer.status is AnswerStatus.FINAL
    assert validate_response({"resourceType": "QuestionnaireResponse", **answer.response},
                             answers.questionnaire_of(invited)) == []
    opened = next(i for i in answer.response["item"][0]["item"] if i["linkId"] == "opened")
    assert opened["answer"][0]["item"] == [{"linkId": "opened-deep",
                                            "answer": [{"valueBoolean": False}]}]


@pytest.mark.parametrize("body", ["5", "0", "12", "ja", "", "1 2", "١"])
def test_a_reply_out_of_range_gets_the_question_again_and_changes_nothing(invited, body):
    reply("1")
    before = stored()
    again = reply(body)
    assert again == ("Vi forstod ikke svaret. Spørsmål 1: Har du hatt rødhet som brer seg "
                     "utover i huden rundt arret? Svar 1 nei, 2 litt, 3 en del, 4 mye.")
    assert stored() == before  # nothing saved yet
    assert reply("3").startswith("Spørsmål 2:")
    assert stored().response["item"][0]["item"][0]["answer"][0]["valueCoding"]["code"] == (
        "quite-a-bit")


def test_a_yes_no_question_takes_1_or_2_only(invited):
    _answer_signs()
    assert reply("3").startswith("Vi forstod ikke svaret. Spørsmål 8: Har arret åpnet seg")


def test_an_unclear_answer_to_the_offer_is_explained_and_2_declines(invited):
    assert reply("kanskje") == ("Svar 1 hvis du vil svare her på SMS, eller 2 hvis du vil "
                                "svare på helsenorge.no.")
    assert reply("2") == "Greit. Du kan svare på helsenorge.no når det passer."
    assert open_conversations() == [] and stored() is None
    assert reply("1") == NEUTRAL_REPLY


def test_the_dialogue_expires_and_what_she_answered_stays_as_a_draft(invited):
    started = INVITED + timedelta(hours=20)
    reply("1", at=started)
    reply("2", at=started + timedelta(minutes=1))
    late = started + timedelta(hours=48, minutes=1)
    assert reply("1", at=late) == NEUTRAL_REPLY
    answer = stored()
    assert answer.status is AnswerStatus.DRAFT
    assert answer.response["item"][0]["item"][0]["linkId"] == "redness"
    assert db.session.get(FollowUp, invited.id).state is CaseState.INVITED


def test_the_hours_are_configurable(patient, hospital, notify_rules, clock):
    set_channel_settings(sms_dialogue_hours=2)
    try:
        opt_in(patient)
        make_case(patient, hospital)
        take_due_steps(now=INVITED)
        db.session.commit()
        assert reply("1", at=INVITED + timedelta(hours=1)).startswith(
            "Takk! Svar med ett tall på hvert spørsmål. Du har 2 timer på deg.")
        assert reply("1", at=INVITED + timedelta(hours=3, minutes=1)) == NEUTRAL_REPLY
    finally:
        set_channel_settings(sms_dialogue_hours=48)


def test_a_reminder_offers_it_again_and_she_goes_on_where_she_left_off(invited, clock):
    reply("1")
    reply("1")
    reply("1")  # two signs answered, then she stops
    reminded = INVITED + timedelta(days=3)
    clock.move_to(reminded)
    take_due_steps(now=reminded)
    db.session.commit()
    [waiting] = open_conversations()
    assert waiting.ref.endswith(":offer")
    assert reply("1", at=reminded).endswith(
        "Spørsmål 3: Har du hatt hevelse rundt arret? Svar 1 nei, 2 litt, 3 en del, 4 mye.")


def test_an_answer_given_on_the_web_meanwhile_ends_the_dialogue(invited):
    reply("1")
    answers.save(case_id=invited.id, response=response(), final=True,
                 channel=AnswerChannel.WEB, actor=Actor.person(invited.person_id))
    db.session.commit()
    assert reply("2") == "Du har svart allerede. Takk!"
    assert stored().channel is AnswerChannel.WEB
    assert open_conversations() == []


def test_a_closed_case_takes_no_sms_answer(invited):
    reply("1")
    case = db.session.get(FollowUp, invited.id)
    case.state = CaseState.CLOSED
    db.session.commit()
    assert reply("1") == "Disse spørsmålene kan ikke besvares lenger."
    assert stored() is None


def test_another_number_reaches_nobodys_dialogue(invited):
    assert reply("1", phone="+4799887766") == NEUTRAL_REPLY
    assert stored() is None and len(open_conversations()) == 1


def test_a_required_item_without_an_sms_text_is_left_to_the_web(invited, monkeypatch):
    texts = sms._texts("nb")

    class WithoutFever:
        questions = {k: v for k, v in texts.questions.items() if k != "fever"}
        legends = texts.legends

    monkeypatch.setattr(sms, "_texts", lambda language: WithoutFever)
    _answer_signs()
    assert reply("2") == ("Takk! Svarene dine så langt er lagret. Resten svarer du på "
                          "helsenorge.no.")
    assert stored().status is AnswerStatus.DRAFT
    assert open_conversations() == []


def test_her_language_is_used(patient, hospital, notify_rules, clock):
    opt_in(patient, language="en")
    make_case(patient, hospital)
    take_due_steps(now=INVITED)
    db.session.commit()
    assert notice_sms().endswith("Would you rather answer here by text message? Reply 1 for "
                                 "yes, 2 for no.")
    assert reply("1") == ("Thank you! Answer each question with a number. You have 48 hours. "
                          "Question 1: Have you had redness spreading out in the skin around "
                          "the scar? Reply 1 no, 2 a little, 3 quite a bit, 4 a lot.")


def test_every_text_in_every_language_names_no_diagnosis_and_every_item_is_askable(invited):
    questionnaire = answers.questionnaire_of(invited)
    definitions = sms._definitions(questionnaire)
    required = [link for link, item in definitions.items()
                if item.get("required") and item["type"] not in ("group", "display")]
    for language in content.LANGUAGES:
        texts = sms._texts(language)
        say = sms._Texts(None)
        say.language = language
        assert all(say.can_ask(definitions[link]) for link in required), language
        rendered = [say(m, hours=48) for m in ("offer-unclear", "declined", "thanks",
                                               "answered", "closed", "web")]
        for link in texts.questions:
            for message in ("start", "question", "unclear"):
                rendered.append(say(message, hours=48,
                                    **sms._question(definitions[link], 3)))
        for event in ("wound.questionnaire-open", "wound.questionnaire-reminder"):
            for sender in ("St. Olavs hospital", None):
                rendered.append(content.render_sms(event=event, language=language,
                                                   sender=sender,
                                                   context={"answer_by_sms": True}))
        leaks = {text: _problems(text) for text in rendered if _problems(text)}
        assert leaks == {}, language
        assert all("infek" not in text.lower() for text in rendered)


def test_the_digits_follow_the_questionnaires_options():
    for questionnaire in questionnaires.published().values():
        for item in questionnaires.items(questionnaire):
            if item["linkId"] in SIGNS:  # the legend says 1 nei, 2 litt, 3 en del, 4 mye
                assert [o["valueCoding"]["code"] for o in item["answerOption"]] == SEVERITY
    assert [o["valueCoding"]["code"] for o in sms._options(
        {"type": "choice", "linkId": "x", "answerOption": [
            {"valueCoding": {"system": "s", "code": c}} for c in SEVERITY]})] == SEVERITY
    assert sms._options({"type": "date", "linkId": "onset"}) == []
    assert sms._options({"type": "choice", "linkId": "x", "answerOption": [
        {"valueCoding": {"code": str(n)}} for n in range(10)]}) == []


def test_reply_through_the_twilio_webhook(invited, webhook):  # noqa: F811
    answer = webhook("/webhooks/twilio/inbound", {"From": PHONE, "Body": "1",
                                                  "MessageSid": "SM1"})
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    assert "Spørsmål 1: Har du hatt rødhet" in answer.get_data(as_text=True)
    assert [c.ref for c in open_conversations()] == [f"wound-case:{invited.id}:redness"]

