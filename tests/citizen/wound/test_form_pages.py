"""The wound questionnaire on the web, as a browser without JavaScript uses it: a page per
question group drawn from the Questionnaire in her language, follow-up pages only when
their condition holds, drafts saved and resumed, the review, sending, the receipt; errors
shown at their fields (4xx) and nothing she gave lost."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from services.audit.models import AuditEvent
from services.db import db
from services.notify.models import Notification
from services.wound.models import Answer, AnswerStatus, CaseState, FollowUp
from tests.citizen.pages import csrf, text
from tests.citizen.wound.filling import NOTHING, answer_all, page_path, post_page, send
from tests.plugins.db import table_rows


def stored(case) -> Answer | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Answer).where(Answer.follow_up_id == case.id))


def linked(answer: Answer) -> dict[str, dict]:
    """The stored answers by linkId, however nested."""
    found = {}

    def walk(items):
        for item in items or []:
            for given in item.get("answer", []):
                found[item["linkId"]] = {k: v for k, v in given.items() if k != "item"}
                walk(given.get("item"))
            walk(item.get("item"))

    walk(answer.response["item"])
    return found


@pytest.mark.parametrize(("lang", "heading", "question", "option", "title", "button"), [
    ("nb", "Såret", "Rødhet som brer seg utover fra såret", "Nei, ikke i det hele tatt",
     "Spørsmål om operasjonssåret", "Lagre og svar senere"),
    ("nn", "Såret", "Raudleik som breier seg utover frå såret", "Nei, ikkje i det heile",
     "Spørsmål om operasjonssåret", "Lagre og svar seinare"),
    ("en", "The wound", "Redness spreading out from the wound", "No, not at all",
     "Questions about your surgical wound", "Save and continue later"),
])
def test_the_first_page_is_the_questionnaires_first_group_in_her_language(
        client, case, lang, heading, question, option, title, button):
    response = client.get(f"{page_path(case, 1)}?lang={lang}")
    page = text(response)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{heading}</h1>" in page and f'<p class="caption">{title}</p>' in page
    assert f"<legend>{question}</legend>" in page and option in page and button in page
    # Nine questions on the page, each a group of radio buttons with its own name.
    assert len(set(re.findall(r'type="radio" id="[^"]+" name="(q-[a-z-]+)"', page))) == 9
    # The follow-ups of this page are not on it: they come after it, when they apply.
    assert "q-opened-deep" not in page and "q-onset" not in page
    assert "<script" not in page
    assert 'method="post"' in page and 'name="csrf_token"' in page


def test_english_options_and_yes_no_come_from_the_translations(client, case):
    page = text(client.get(f"{page_path(case, 3)}?lang=en"))
    assert "<h1>Treatment</h1>" in page
    assert ">Yes</label>" in page and ">No</label>" in page


def test_the_start_page_says_what_when_and_how_long(client, case):
    page = text(client.get(f"/questionnaires/{case.id}"))
    assert "<h1>Spørsmål om operasjonssåret</h1>" in page
    for said in ("Fjerning av galleblæren (kolecystektomi)", "31. januar 2026",
                 "St. Olavs hospital HF", "Svar innen", "15. mars 2026", "rundt fem minutter",
                 "116 117", "<li>Såret</li>", "<li>Behandling</li>", "Se over og send"):
        assert said in page, said
    assert f'href="{page_path(case, 1)}">Start</a>' in page
    assert "Se svarene så langt" not in page  # nothing saved yet


def test_no_signs_skips_the_follow_up_pages_and_the_answer_is_sent(client, case, notify_rules,
                                                                   outbox_worker):
    first = post_page(client, case, 1, NOTHING)
    assert first.status_code == 303 and first.location == page_path(case, 3)
    care = post_page(client, case, 3, {"q-sought-advice": "no"})
    assert care.status_code == 303 and care.location == f"/questionnaires/{case.id}/review"
    sent = send(client, case)
    assert sent.status_code == 303 and sent.location == f"/questionnaires/{case.id}/receipt"
    answer = stored(case)
    assert answer.status is AnswerStatus.FINAL and answer.channel.value == "web"
    assert answer.answered_by == f"person:{case.person_id}"
    assert set(linked(answer)) == {link[2:] for link in NOTHING} | {"sought-advice"}
    assert db.session.get(FollowUp, case.id).state is CaseState.ANSWERED
    outbox_worker()  # decides the receipt
    assert [n.event for n in table_rows(Notification)] == ["wound.answer-received"]


def test_a_sign_and_an_opened_wound_bring_their_follow_up_page(client, case):
    first = post_page(client, case, 1, {**NOTHING, "q-pus": "a-little", "q-opened": "yes"})
    assert first.location == page_path(case, 2)
    page = text(client.get(first.location))
    assert "<h1>Såret: flere spørsmål</h1>" in page
    assert "<legend>Kunne du se vevet under huden, eller har stingene løsnet?</legend>" in page
    assert "Omtrent når merket du det første gang?" in page
    assert 'name="q-onset"' in page and "For eksempel 14.3.2026" in page
    follow = post_page(client, case, 2, {"q-opened-deep": "yes", "q-onset": "20.2.2026"})
    assert follow.location == page_path(case, 3)
    given = linked(stored(case))
    assert given["opened-deep"] == {"valueBoolean": True}
    assert given["onset"] == {"valueDate": "2026-02-20"}
    # opened-deep sits under the answer to opened, as the Questionnaire nests it.
    [signs] = stored(case).response["item"]
    [opened] = [i for i in signs["item"] if i["linkId"] == "opened"]
    assert opened["answer"][0]["item"][0]["linkId"] == "opened-deep"


def test_only_the_follow_ups_whose_condition_holds_are_asked(client, case):
    post_page(client, case, 1, {**NOTHING, "q-fever": "yes"})  # fever: onset, not deep
    page = text(client.get(page_path(case, 2)))
    assert 'name="q-onset"' in page and "q-opened-deep" not in page
    # A page whose condition does not hold is passed by, even by its address.
    post_page(client, case, 1, NOTHING)
    assert client.get(page_path(case, 2)).location == page_path(case, 3)
    assert client.get(page_path(case, 4)).location == f"/questionnaires/{case.id}/review"


def test_seeking_advice_asks_what_was_done(client, case):
    post_page(client, case, 1, NOTHING)
    care = post_page(client, case, 3, {"q-sought-advice": "yes"})
    assert care.location == page_path(case, 4)
    page = text(client.get(care.location))
    assert "<h1>Behandling: flere spørsmål</h1>" in page
    for link in ("antibiotics", "opened-by-doctor", "readmitted", "reoperated"):
        assert f'name="q-{link}"' in page
    missing = post_page(client, case, 4, {"q-antibiotics": "yes"})
    assert missing.status_code == 422
    assert text(missing).count('class="error-message"') == 3


def test_a_changed_answer_drops_the_follow_ups_it_no_longer_asks(client, case):
    post_page(client, case, 1, {**NOTHING, "q-opened": "yes"})
    post_page(client, case, 2, {"q-opened-deep": "no", "q-onset": "1.2.2026"})
    assert {"opened-deep", "onset"} <= set(linked(stored(case)))
    post_page(client, case, 1, NOTHING)
    assert not {"opened-deep", "onset"} & set(linked(stored(case)))


def test_continue_without_an_answer_shows_each_missing_one_at_its_field(client, case):
    response = post_page(client, case, 1, {"q-redness": "a-lot"})
    page = text(response)
    assert response.status_code == 422
    assert '<div class="error-summary" role="alert"' in page
    assert '<a href="#q-pain">Såret gjør vondt eller er ømt når du tar på det – Velg ett av ' \
           'svarene.</a>' in page
    assert '<a href="#q-fever">Har du hatt feber (over 38 °C)? – Velg ja eller nei.</a>' in page
    assert page.count('class="error-message"') == 8
    assert '<fieldset aria-describedby="q-fever-error">' in page
    # What she chose is still chosen; nothing is stored until the page is complete.
    assert 'id="q-redness-a-lot" name="q-redness" value="a-lot" checked' in page
    assert stored(case) is None
    assert "<title>Rett opp dette: Såret" in page


@pytest.mark.parametrize(("onset", "message"), [
    ("32.1.2026", "Skriv datoen slik: 14.3.2026."),
    ("i fjor", "Skriv datoen slik: 14.3.2026."),
    ("3.3.2026", "Datoen kan ikke være etter i dag."),
    ("30.1.2026", "Datoen kan ikke være før operasjonen 31. januar 2026."),
    ("x" * 5000, "Svaret er for langt."),
])
def test_a_date_that_is_no_day_or_out_of_bounds_is_refused_at_its_field(client, case, onset,
                                                                         message):
    post_page(client, case, 1, {**NOTHING, "q-pain": "a-little"})
    response = post_page(client, case, 2, {"q-onset": onset})
    page = text(response)
    assert response.status_code == 422
    assert f'<p class="error-message" id="q-onset-error">{message}</p>' in page
    assert 'aria-invalid="true"' in page
    assert "onset" not in linked(stored(case))
    assert linked(stored(case))["pain"]["valueCoding"]["code"] == "a-little"  # kept


def test_a_tampered_choice_is_the_services_refusal_shown_at_its_field(client, case):
    response = post_page(client, case, 1, {**NOTHING, "q-redness": "purple"})
    page = text(response)
    assert response.status_code == 422
    assert ('<a href="#q-redness">Rødhet som brer seg utover fra såret – Velg ett av '
            'svarene.</a>') in page
    assert stored(case) is None
    tampered = post_page(client, case, 1, {**NOTHING, "q-fever": "maybe"})
    assert tampered.status_code == 422 and "Velg ja eller nei." in text(tampered)


def test_save_for_later_keeps_a_half_page_and_she_resumes_where_she_left(client, case):
    later = post_page(client, case, 1, {"q-redness": "a-little"}, action="later")
    assert later.status_code == 303 and later.location == f"/questionnaires/{case.id}"
    start = text(client.get(later.location))
    assert "Svarene er lagret. Du kan svare videre senere, til og med 15. mars 2026." in start
    assert f'href="{page_path(case, 1)}">Fortsett</a>' in start
    assert f'href="/questionnaires/{case.id}/review">Se svarene så langt</a>' in start
    answer = stored(case)
    assert answer.status is AnswerStatus.DRAFT and set(linked(answer)) == {"redness"}
    assert db.session.get(FollowUp, case.id).state is CaseState.INVITED
    again = text(client.get(page_path(case, 1)))
    assert 'id="q-redness-a-little" name="q-redness" value="a-little" checked' in again

    post_page(client, case, 1, NOTHING)  # page 1 done: she left off at the care page
    resume = text(client.get(f"/questionnaires/{case.id}"))
    assert f'href="{page_path(case, 3)}">Fortsett</a>' in resume
    post_page(client, case, 3, {"q-sought-advice": "no"})
    done = text(client.get(f"/questionnaires/{case.id}"))
    assert f'href="/questionnaires/{case.id}/review">Fortsett</a>' in done


def test_the_review_lists_every_answer_with_a_way_to_change_it(client, case):
    post_page(client, case, 1, {**NOTHING, "q-swelling": "quite-a-bit"})
    post_page(client, case, 2, {})
    page = text(client.get(f"/questionnaires/{case.id}/review"))
    assert "<h1>Se over svarene</h1>" in page
    assert "<dt>Hevelse rundt såret</dt><dd>Ja, en del</dd>" in page
    assert "<dt>Har du hatt feber (over 38 °C)?</dt><dd>Nei</dd>" in page
    assert ("<dt>Har du kontaktet lege, sykepleier eller legevakt på grunn av såret?</dt>"
            "<dd><strong>Ikke svart</strong></dd>") in page
    assert "Noen spørsmål er ikke svart på." in page
    assert f'href="{page_path(case, 1)}?return=review"' in page
    # Sending what is not complete is refused, naming what is missing, and sends nothing.
    refused = send(client, case)
    assert refused.status_code == 422
    assert ('<a href="#change-3">Har du kontaktet lege, sykepleier eller legevakt på grunn '
            'av såret? – Velg ja eller nei.</a>') in text(refused)
    assert stored(case).status is AnswerStatus.DRAFT


def test_a_change_from_the_review_goes_back_to_the_review(client, case):
    post_page(client, case, 1, NOTHING)
    post_page(client, case, 3, {"q-sought-advice": "no"})
    changed = post_page(client, case, 1, {**NOTHING, "q-warmth": "a-lot"},
                        query="?return=review")
    # The change brings a follow-up page she has not seen: it is asked first.
    assert changed.location == f"{page_path(case, 2)}?return=review"
    back = post_page(client, case, 2, {}, query="?return=review")
    assert back.location == f"/questionnaires/{case.id}/review"
    assert "<dd>Ja, mye</dd>" in text(client.get(back.location))


def test_the_receipt_says_what_happens_next_and_shows_the_answers(client, case, notify_rules):
    answer_all(client, case, signs={"q-redness": "a-little"})
    page = text(client.get(f"/questionnaires/{case.id}/receipt"))
    assert "<h1>Vi har fått svarene dine</h1>" in page
    assert ('Takk. Vi fikk svarene <time datetime="2026-03-02T08:00:00+00:00">2. mars 2026 '
            'kl. 09.00</time>.') in page
    assert "Smittevernet ved St. Olavs hospital HF leser svarene." in page
    assert "116 117" in page and "113" in page
    assert "<dt>Rødhet som brer seg utover fra såret</dt><dd>Ja, litt</dd>" in page
    assert "Endre disse svarene" not in page and 'method="post"' not in page.split(
        "<main")[1].split("</main>")[0]
    # Nothing that diagnoses: the receipt does not judge the answers.
    assert "infeksjon" not in page.lower()
    # Answered: the form leads to the receipt, the pages take no more answers.
    assert client.get(f"/questionnaires/{case.id}").location.endswith("/receipt")
    assert client.get(page_path(case, 1)).location == f"/questionnaires/{case.id}"


def test_sending_twice_is_the_same_receipt_and_one_answer(client, case, notify_rules,
                                                          outbox_worker):
    post_page(client, case, 1, NOTHING)
    post_page(client, case, 3, {"q-sought-advice": "no"})
    review = text(client.get(f"/questionnaires/{case.id}/review"))
    form = {"csrf_token": csrf(review),
            "version": re.search(r'name="version" value="(\d+)"', review).group(1)}
    # A double click, or the same form sent again from the browser's history.
    assert client.post(f"/questionnaires/{case.id}/review", data=form).status_code == 303
    first = stored(case)
    again = client.post(f"/questionnaires/{case.id}/review", data=form)
    assert again.status_code == 303 and again.location == f"/questionnaires/{case.id}/receipt"
    assert "Vi har fått svarene dine" in text(client.get(again.location))
    answer = stored(case)
    assert (answer.id, answer.version_id, answer.submitted_at) == (
        first.id, first.version_id, first.submitted_at)
    outbox_worker()  # decides the receipt, once
    assert len([n for n in table_rows(Notification)
                if n.event == "wound.answer-received"]) == 1


def test_a_page_sent_after_the_answer_is_kept_from_it(client, case, notify_rules):
    token = csrf(text(client.get(page_path(case, 1))))
    answer_all(client, case)
    late = client.post(page_path(case, 1), data={**NOTHING, "q-pus": "a-lot",
                                                 "action": "next", "csrf_token": token})
    assert late.status_code == 303 and late.location == f"/questionnaires/{case.id}/receipt"
    assert "Du har alt svart på dette skjemaet." in text(client.get(late.location))
    assert linked(stored(case))["pus"]["valueCoding"]["code"] == "none"


def test_answers_changed_in_another_window_are_checked_again_before_sending(client, case):
    answer_path = f"/questionnaires/{case.id}/review"
    post_page(client, case, 1, NOTHING)
    post_page(client, case, 3, {"q-sought-advice": "no"})
    review = text(client.get(answer_path))
    post_page(client, case, 1, {**NOTHING, "q-pain": "a-little"})  # the other window
    version = re.search(r'name="version" value="(\d+)"', review).group(1)
    stale = client.post(answer_path, data={"csrf_token": csrf(review), "version": version})
    assert stale.status_code == 409 and "Svarene er endret" in text(stale)
    assert stored(case).status is AnswerStatus.DRAFT


def test_every_post_needs_its_csrf_token(client, case):
    assert client.post(page_path(case, 1), data={**NOTHING, "action": "next"}).status_code == 400
    assert client.post(f"/questionnaires/{case.id}/review", data={"version": "0"}
                       ).status_code == 400
    assert stored(case) is None


def test_a_page_that_does_not_exist_is_404(client, case):
    assert client.get(page_path(case, 5)).status_code == 404
    assert client.get(f"/questionnaires/{case.id}/pages/0").status_code == 404
    assert client.get("/questionnaires/99999999999").status_code == 404


def test_her_reads_and_answers_are_audited(client, case, notify_rules):
    answer_all(client, case)
    client.get("/questionnaires")
    rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.subject_person_id == case.person_id)).all()
    kinds = {(r.resource_type, r.action) for r in rows}
    assert {("WoundFollowUp", "read"), ("WoundFollowUp", "search"),
            ("QuestionnaireResponse", "create"), ("QuestionnaireResponse", "update")} <= kinds
