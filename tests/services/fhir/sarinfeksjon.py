"""A post-operative wound infection questionnaire in the style of NOIS-POSI (the Norwegian
surveillance of surgical site infections: the patient is asked 30 days after surgery), and
a completed answer to it, as helsenorge.no's renderer (Refero) or LHC-Forms would send it.

Fresh copies from ``questionnaire()`` and ``response()``: tests mutate them.
"""

from __future__ import annotations

import copy
from typing import Any

URL = "http://minhelse.test/fhir/Questionnaire/sarinfeksjon-30d"
VERSION = "1.0"

#: A local code system: the form designer picks the real (Volven) one in production.
JA_NEI = "http://minhelse.test/fhir/CodeSystem/ja-nei-vet-ikke"
PLAGER = "http://minhelse.test/fhir/CodeSystem/sarplager"
STED = "http://minhelse.test/fhir/CodeSystem/undersokelsessted"

JA = {"system": JA_NEI, "code": "ja", "display": "Ja"}
NEI = {"system": JA_NEI, "code": "nei", "display": "Nei"}
VET_IKKE = {"system": JA_NEI, "code": "vet-ikke", "display": "Vet ikke"}
FEBER = {"system": PLAGER, "code": "feber", "display": "Feber over 38 °C"}
SMERTER = {"system": PLAGER, "code": "smerter", "display": "Økte smerter i såret"}
HEVELSE = {"system": PLAGER, "code": "hevelse", "display": "Hevelse rundt såret"}
VARME = {"system": PLAGER, "code": "varme", "display": "Varme i huden rundt såret"}
FASTLEGE = {"system": STED, "code": "fastlege", "display": "Hos fastlegen"}
LEGEVAKT = {"system": STED, "code": "legevakt", "display": "På legevakten"}
SYKEHUS = {"system": STED, "code": "sykehus", "display": "På sykehuset der jeg ble operert"}


def _options(*codings: dict[str, str]) -> list[dict[str, Any]]:
    return [{"valueCoding": coding} for coding in codings]


def _when(question: str, **answer: Any) -> dict[str, Any]:
    return {"question": question, "operator": "=", **answer}


QUESTIONNAIRE: dict[str, Any] = {
    "resourceType": "Questionnaire",
    "id": "sarinfeksjon-30d",
    "url": URL,
    "version": VERSION,
    "name": "SarinfeksjonEtterOperasjon30d",
    "title": "Spørsmål om operasjonssåret 30 dager etter operasjonen",
    "status": "active",
    "subjectType": ["Patient"],
    "language": "nb",
    "item": [
        {
            "linkId": "om-saret",
            "type": "group",
            "text": "Om operasjonssåret",
            "item": [
                {
                    "linkId": "rodhet",
                    "type": "choice",
                    "required": True,
                    "text": "Har du hatt rødhet rundt operasjonssåret?",
                    "answerOption": _options(JA, NEI),
                    "item": [
                        {
                            # Asked under the "Ja" answer (R4: in answer.item).
                            "linkId": "rodhet-spredning",
                            "type": "choice",
                            "text": "Har rødheten bredt seg mer enn 1 cm ut fra såret?",
                            "enableWhen": [_when("rodhet", answerCoding=JA)],
                            "answerOption": _options(JA, NEI, VET_IKKE),
                        },
                    ],
                },
                {
                    "linkId": "puss",
                    "type": "choice",
                    "required": True,
                    "text": "Har det kommet puss (gul eller grønn væske) fra såret?",
                    "answerOption": _options(JA, NEI, VET_IKKE),
                },
                {
                    "linkId": "saret-apnet",
                    "type": "boolean",
                    "required": True,
                    "text": "Har såret gått opp av seg selv, eller har en lege åpnet det?",
                },
                {
                    "linkId": "forste-symptom",
                    "type": "date",
                    "required": True,
                    "text": "Hvilken dag merket du de første tegnene på betennelse i såret?",
                    "enableWhen": [_when("rodhet", answerCoding=JA),
                                   _when("puss", answerCoding=JA),
                                   _when("saret-apnet", answerBoolean=True)],
                    "enableBehavior": "any",
                },
                {
                    "linkId": "plager",
                    "type": "choice",
                    "repeats": True,
                    "text": "Hvilke andre plager har du hatt? Kryss av for alle som passer.",
                    "answerOption": _options(FEBER, SMERTER, HEVELSE, VARME),
                },
                {
                    "linkId": "temperatur",
                    "type": "decimal",
                    "text": "Hva var den høyeste temperaturen du målte (°C)?",
                    "enableWhen": [_when("plager", answerCoding=FEBER)],
                },
                {
                    "linkId": "hoy-feber-rad",
                    "type": "display",
                    "text": "Har du fortsatt feber over 38,5 °C, ta kontakt med fastlegen "
                            "eller legevakten.",
                    "enableWhen": [{"question": "temperatur", "operator": ">=",
                                    "answerDecimal": 38.5}],
                },
            ],
        },
        {
            "linkId": "behandling",
            "type": "group",
            "text": "Behandling etter at du kom hjem",
            "item": [
                {
                    "linkId": "lege",
                    "type": "boolean",
                    "required": True,
                    "text": "Har du vært hos lege på grunn av såret?",
                },
                {
                    "linkId": "lege-hvor",
                    "type": "open-choice",
                    "text": "Hvor ble du undersøkt?",
                    "enableWhen": [_when("lege", answerBoolean=True)],
                    "answerOption": _options(FASTLEGE, LEGEVAKT, SYKEHUS),
                },
                {
                    "linkId": "antibiotika",
                    "type": "choice",
                    "required": True,
                    "text": "Fikk du antibiotika mot infeksjon i såret?",
                    "enableWhen": [_when("lege", answerBoolean=True)],
                    "answerOption": _options(JA, NEI, VET_IKKE),
                },
                {
                    "linkId": "reoperert",
                    "type": "boolean",
                    "text": "Er du operert på nytt i det samme området?",
                    "enableWhen": [_when("lege", answerBoolean=True)],
                },
                {
                    "linkId": "reoperert-dato",
                    "type": "date",
                    "text": "Når ble du operert på nytt?",
                    "enableWhen": [_when("reoperert", answerBoolean=True)],
                },
            ],
        },
        {
            "linkId": "kommentar",
            "type": "text",
            "maxLength": 500,
            "text": "Er det noe mer du vil fortelle oss om såret?",
        },
        {
            "linkId": "takk",
            "type": "display",
            "text": "Takk for at du tok deg tid til å svare.",
        },
    ],
}

#: Redness with a first-symptom date, fever among the complaints, seen at the legevakt
#: and given antibiotics. Indexes used in the tests:
#: item[0] om-saret: item[0] rodhet (answer[0].item[0] rodhet-spredning), item[1] puss,
#: item[2] saret-apnet, item[3] forste-symptom, item[4] plager, item[5] temperatur;
#: item[1] behandling: item[0] lege, item[1] lege-hvor, item[2] antibiotika,
#: item[3] reoperert; item[2] kommentar.
RESPONSE: dict[str, Any] = {
    "resourceType": "QuestionnaireResponse",
    "questionnaire": f"{URL}|{VERSION}",
    "status": "completed",
    "subject": {"reference": "Patient/1"},
    "authored": "2026-04-01T10:15:00+02:00",
    "item": [
        {
            "linkId": "om-saret",
            "text": "Om operasjonssåret",
            "item": [
                {"linkId": "rodhet", "text": "Har du hatt rødhet rundt operasjonssåret?",
                 "answer": [{"valueCoding": JA, "item": [
                     {"linkId": "rodhet-spredning", "answer": [{"valueCoding": NEI}]},
                 ]}]},
                {"linkId": "puss", "answer": [{"valueCoding": NEI}]},
                {"linkId": "saret-apnet", "answer": [{"valueBoolean": False}]},
                {"linkId": "forste-symptom", "answer": [{"valueDate": "2026-03-12"}]},
                {"linkId": "plager", "answer": [{"valueCoding": FEBER},
                                                {"valueCoding": SMERTER}]},
                {"linkId": "temperatur", "answer": [{"valueDecimal": 38.2}]},
            ],
        },
        {
            "linkId": "behandling",
            "text": "Behandling etter at du kom hjem",
            "item": [
                {"linkId": "lege", "answer": [{"valueBoolean": True}]},
                {"linkId": "lege-hvor", "answer": [{"valueCoding": LEGEVAKT}]},
                {"linkId": "antibiotika", "answer": [{"valueCoding": JA}]},
                {"linkId": "reoperert", "answer": [{"valueBoolean": False}]},
            ],
        },
        {"linkId": "kommentar",
         "answer": [{"valueString": "Såret var rødt i en uke, men er bra nå."}]},
    ],
}

#: No to everything: the follow-up questions stay disabled and unanswered.
RESPONSE_ALL_NO: dict[str, Any] = {
    "resourceType": "QuestionnaireResponse",
    "questionnaire": f"{URL}|{VERSION}",
    "status": "completed",
    "subject": {"reference": "Patient/1"},
    "authored": "2026-04-01T10:15:00+02:00",
    "item": [
        {"linkId": "om-saret", "item": [
            {"linkId": "rodhet", "answer": [{"valueCoding": NEI}]},
            {"linkId": "puss", "answer": [{"valueCoding": NEI}]},
            {"linkId": "saret-apnet", "answer": [{"valueBoolean": False}]},
        ]},
        {"linkId": "behandling", "item": [
            {"linkId": "lege", "answer": [{"valueBoolean": False}]},
        ]},
    ],
}


def questionnaire() -> dict[str, Any]:
    return copy.deepcopy(QUESTIONNAIRE)


def response() -> dict[str, Any]:
    return copy.deepcopy(RESPONSE)


def response_all_no() -> dict[str, Any]:
    return copy.deepcopy(RESPONSE_ALL_NO)
