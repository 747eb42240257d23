"""No notice leaks: every template of every registered event, in every language, rendered
with realistic and hostile contexts, carries no health word, no unit's name, no identity
number and no link. And the sender rule: the trust, never the unit; nobody if sensitive."""

from __future__ import annotations

import re

import pytest

from services.actors import Actor
from services.notify import content
from services.notify.events import registered_events
from services.notify.models import Notification
from services.notify.service import notify
from services.outbox.models import OutboxMessage
from services.people.models import Organisation
from tests.services.notify.helpers import person_with, trust_and_unit

UNITS = ["Kvinneklinikken", "Kreftavdelingen", "Kreftklinikken", "Psykiatrisk klinikk",
         "Avdeling for rusbehandling", "Barne- og ungdomsklinikken", "Føde/barsel",
         "Fertilitetssenteret", "Infeksjonsavdelingen", "Nevrokirurgisk avdeling"]
#: Words that say something about someone's health, as stems (Bokmål, Nynorsk, English).
HEALTH_WORDS = [
    "diagnos", "kreft", "cancer", "tumou?r", "svulst", "gravid", "svanger", "pregnan",
    "ultralyd", "ultrasound", "foster", "fetus", "føde", "fødsel", "birth", "abort",
    "infeksjon", "infection", "sår", "wound", "operasjon", "operert", "operation", "surgery",
    "kirurg", "psykiatr", "psychiatr", "psykisk", "mental", "rus", "narkoti", "alkohol",
    "hiv", "klamydia", "sykdom", "sjukdom", "disease", "illness", "medisin", "medication",
    "resept", "prescription", "behandling", "treatment", "terapi", "therapy", "prøvesvar",
    "test ?result", "blodprøve", "blood", "laborator", "epikrise", "henvisning", "referral",
    "journal", "klinikk", "clinic", "avdeling", "department", "ward", "poliklinikk",
    "fertilitet", "fertility", "kvinne", "gyn", "onkolog", "oncolog", "nevro", "neuro",
]
HEALTH = re.compile(r"\b(" + "|".join(HEALTH_WORDS) + r")", re.IGNORECASE)
IDENTITY_NUMBER = re.compile(r"(?<!\d)\d{6}\s?\d{5}(?!\d)")
LINK = re.compile(r"https?://|www\.|<a\b|href=|\?\w+=|token", re.IGNORECASE)

HOSTILE = {
    "unit": "Kreftavdelingen", "department": "Kvinneklinikken", "ward": "Psykiatrisk klinikk",
    "organisation": "Avdeling for rusbehandling", "diagnosis": "Brystkreft (C50.9)",
    "reason": "Oppfølging etter abort", "national_id": "15068512345",
    "fodselsnummer": "150685 12345", "patient": "Kari Nordmann 15068512345",
    "url": "https://minhelse.example/login?token=eyJhbGciOi",
    "login_link": "https://helsenorge.no/login?session=abc123",
}
SENDERS = ["St. Olavs hospital", None]


def _renderings():
    for event in registered_events():
        for language in content.LANGUAGES:
            for sender in SENDERS:
                for context in (dict(event.example), {**HOSTILE, **event.example}):
                    email = content.render_email(event=event.name, language=language,
                                                 sender=sender, context=context)
                    sms = content.render_sms(event=event.name, language=language,
                                             sender=sender, context=context)
                    for part, text in (("sms", sms), ("subject", email.subject),
                                       ("text", email.text), ("html", email.html)):
                        yield f"{event.name}/{part}.{language} sender={sender}", text


def _problems(text: str) -> list[str]:
    found = [f"health word {m.group(0)!r}" for m in HEALTH.finditer(text)]
    found += [f"unit {unit!r}" for unit in UNITS if unit.lower() in text.lower()]
    found += [f"identity number {m.group(0)!r}" for m in IDENTITY_NUMBER.finditer(text)]
    found += [f"link {m.group(0)!r}" for m in LINK.finditer(text)]
    found += [f"context value {v!r}" for v in HOSTILE.values() if v in text]
    return found


def test_every_registered_event_has_every_template():
    assert [e.name for e in registered_events()] >= ["notify.new-message", "notify.test"]
    assert {e.name: content.missing_templates(e.name) for e in registered_events()} == {
        e.name: [] for e in registered_events()}


def test_no_template_leaks_anything():
    leaks = {where: problems for where, text in _renderings()
             if (problems := _problems(text))}
    assert leaks == {}


def test_the_check_itself_catches_each_kind_of_leak():
    assert _problems("Ny melding fra Kreftavdelingen") != []
    assert _problems("Svar på prøvesvar") != []
    assert _problems("Din svangerskapskontroll") != []
    assert _problems("fnr 150685 12345") != []
    assert _problems("Logg inn: https://helsenorge.no/?t=1") != []
    assert _problems('<a href="x">her</a>') != []
    assert _problems("Du har fått en ny melding fra St. Olavs hospital. Logg inn på "
                     "helsenorge.no for å lese den.") == []


def test_the_texts_are_the_ones_agreed():
    assert content.render_sms(event="notify.new-message", language="nb",
                              sender="St. Olavs hospital", context={}) == (
        "Du har fått en ny melding fra St. Olavs hospital. Logg inn på helsenorge.no for å "
        "lese den.")
    assert content.render_sms(event="notify.new-message", language="nn",
                              sender="St. Olavs hospital", context={}) == (
        "Du har fått ei ny melding frå St. Olavs hospital. Logg inn på helsenorge.no for å "
        "lese ho.")
    assert content.render_sms(event="notify.new-message", language="en",
                              sender="St. Olavs hospital", context={}) == (
        "You have a new message from St. Olavs hospital. Log in at helsenorge.no to read it.")


def test_html_is_escaped_and_text_is_not():
    email = content.render_email(event="notify.new-message", language="nb",
                                 sender="A & B <sykehus>", context={})
    assert "A &amp; B &lt;sykehus&gt;" in email.html and "<sykehus>" not in email.html
    assert "A & B <sykehus>" in email.text and email.subject == "Ny melding fra A & B <sykehus>"


def test_a_sender_cannot_break_the_subject_line():
    email = content.render_email(event="notify.new-message", language="nb",
                                 sender="X\r\nBcc: evil@example.com", context={})
    assert "\n" not in email.subject and "\r" not in email.subject


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError):
        content.render_sms(event="notify.test", language="sv", sender=None, context={})


# -- who is named ------------------------------------------------------------------------

def _org(db, name, number, parent=None, sensitive=False):
    from services.people.service import add_organisation

    org = add_organisation(name=name, org_number=number, parent=parent)
    org.name_is_sensitive = sensitive
    db.session.flush()
    return org


def test_the_top_of_the_chain_is_named_without_its_legal_suffix(db):
    trust = _org(db, "St. Olavs hospital HF", "883974832")
    clinic = _org(db, "Kvinneklinikken", "910000012", trust)
    ward = _org(db, "Fødeavdelingen", "910000020", clinic)
    assert [content.sender_name(o) for o in (trust, clinic, ward)] == [
        "St. Olavs hospital"] * 3


@pytest.mark.parametrize(("name", "named"), [
    ("Helse Midt-Norge RHF", "Helse Midt-Norge"), ("Helse Møre og Romsdal HF",
                                                   "Helse Møre og Romsdal"),
    ("St. Olavs hospital", "St. Olavs hospital"), ("Sykehuset HFX", "Sykehuset HFX"),
    ("  Sykehus HF ", "Sykehus"),
])
def test_legal_suffixes(db, name, named):
    assert content.sender_name(_org(db, name, "883974832")) == named


@pytest.mark.parametrize("sensitive", ["trust", "clinic", "ward"])
def test_a_sensitive_organisation_anywhere_on_the_chain_names_nobody(db, sensitive):
    trust = _org(db, "St. Olavs hospital HF", "883974832", sensitive=sensitive == "trust")
    clinic = _org(db, "Klinikk", "910000012", trust, sensitive=sensitive == "clinic")
    ward = _org(db, "Post", "910000020", clinic, sensitive=sensitive == "ward")
    assert content.sender_name(ward) is None


def test_no_organisation_names_nobody(db):
    assert content.sender_name(None) is None


def test_a_loop_in_the_chain_ends(db):
    a = _org(db, "A HF", "883974832")
    b = _org(db, "B", "910000012", a)
    a.parent = b
    db.session.flush()
    assert content.sender_name(b) in {"A", "B"}


def test_notify_names_the_trust_for_a_message_from_a_unit(db, notify_rules):
    _trust, unit = trust_and_unit()
    deep = Organisation(name="Kreftavdelingen", org_number="910000039", parent=unit)
    db.session.add(deep)
    db.session.flush()
    person = person_with(email="kari@example.no")
    from services.notify.settings import update_settings

    update_settings(person_id=person.id, actor=Actor.person(person.id), channels="both")
    decided = notify(person_id=person.id, event="notify.new-message",
                     context={"unit": "Kreftavdelingen"}, actor=Actor.system("x"), key="k",
                     organisation_id=deep.id)
    payloads = [db.session.get(OutboxMessage, n.outbox_message_id).payload for n in decided]
    for payload in payloads:
        text = " ".join(v for v in payload.values() if isinstance(v, str))
        assert "St. Olavs hospital" in text and _problems(text) == []
    assert {n.organisation_id for n in db.session.query(Notification)} == {deep.id}
