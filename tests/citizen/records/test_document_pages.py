"""The document pages in bokmål: the list with its filter form (a GET form: no JavaScript),
paging, a document to read (sanitised HTML, text as paragraphs), the PDF, the versions, the
page when online access is removed, the tile; and who may see them — another citizen,
a parent (under 12: yes; 12–15: no, from the 12th birthday), a fullmakt with and without
records, an expired fullmakt — each refused without telling whether a document exists."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
import sqlalchemy as sa
from flask import g, url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.actors import Actor
from services.audit.models import AuditEvent
from services.clock import utcnow
from services.db import db
from services.people.models import Area, Fullmakt
from services.people.service import record_guardianship
from tests.citizen.pages import text
from tests.plugins.api import log_in_as
from tests.plugins.factories import make_organisation, make_person
from tests.services.records.factories import make_document, remove_online_access

PDF_BYTES = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
             b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def patient(hospital, client):
    person = make_person(given_name="Ingrid", family_name="Berg")
    log_in_as(client, person)
    return person


def _listing(response) -> str:
    """The list of documents on the page (the filter form names the types too)."""
    page = text(response)
    return page.split('id="documents-heading"')[-1] if 'id="documents-heading"' in page else ""


def _search_rows(person) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.subject_person_id == person.id, AuditEvent.action == "search",
        AuditEvent.resource_type == "DocumentReference")))


def test_the_list_newest_first_with_the_section_navigation(client, patient, hospital):
    make_document(patient, hospital, title="Epikrise fra kardiologisk",
                  document_date=datetime(2026, 2, 1, 9, tzinfo=UTC))
    make_document(patient, hospital, title="Svar på blodprøver", kind="lab-report",
                  document_date=datetime(2026, 2, 20, 9, tzinfo=UTC))
    make_document(patient, hospital, title="Holdt tilbake", withheld=True)
    page = text(client.get("/records"))
    assert "<h1>Journalen min</h1>" in page
    assert page.index("Svar på blodprøver") < page.index("Epikrise fra kardiologisk")
    assert "Holdt tilbake" not in page
    assert "2 dokumenter" in page
    assert "20. februar 2026" in page and "Laboratoriesvar" in page
    for path in ("/records", "/records/access-log", "/records/privacy", "/records/proxies",
                 "/records/consent-history", "/records/export"):
        assert f'href="{path}"' in page, path
    assert 'href="/records" aria-current="page"' in page
    assert '<form method="get" action="/records"' in page
    assert len(_search_rows(patient)) == 1


def test_filters_by_type_words_and_dates(client, patient, hospital):
    make_document(patient, hospital, title="Epikrise", document_date=datetime(2026, 2, 1, 9,
                                                                              tzinfo=UTC))
    make_document(patient, hospital, title="Brev om ny time", kind="letter",
                  document_date=datetime(2026, 2, 25, 9, tzinfo=UTC))
    response = client.get("/records?type=letter")
    assert "Brev om ny time" in _listing(response) and "Epikrise" not in _listing(response)
    assert "1 dokument passer" in text(response)
    assert '<option value="letter" selected>' in text(response)
    response = client.get("/records?q=epikrise")
    assert "Epikrise" in _listing(response) and "Brev om ny time" not in _listing(response)
    response = client.get("/records?from=20.2.2026&to=2026-02-28")
    assert "Brev om ny time" in _listing(response) and "Epikrise" not in _listing(response)
    assert 'value="20.2.2026"' in text(response)  # what she typed stays in the form
    page = text(client.get("/records?q=r%C3%B8ntgen"))
    assert "Ingen dokumenter passer til det du søkte etter." in page
    assert "Vis alle dokumentene" in page


@pytest.mark.parametrize(("query", "field", "message"), [
    ("from=32.1.2026", "from", "Skriv datoen slik: 24.12.2026."),
    ("to=i+går", "to", "Skriv datoen slik: 24.12.2026."),
    ("from=2.3.2026&to=1.3.2026", "to",
     "Sluttdatoen må være samme dag som startdatoen eller senere."),
    ("type=x-ray", "type", "Velg en type fra listen."),
    ("organisation=abc", "organisation", "Velg et sykehus fra listen."),
    ("q=" + "a" * 101, "q", "Søk med høyst 100 tegn."),
    ("q=a%00b", "q", "Søk bare med bokstaver, tall og tegnsetting."),
])
def test_a_filter_that_is_wrong_is_said_on_the_form(client, patient, hospital, query, field,
                                                    message):
    make_document(patient, hospital, title="Epikrise")
    response = client.get(f"/records?{query}")
    page = text(response)
    assert response.status_code == 400
    assert f'<a href="#{field}">{message}</a>' in page
    assert f'id="{field}-error"' in page
    assert _listing(response) == ""


def test_paging_through_many_documents(client, patient, hospital):
    for n in range(30):
        make_document(patient, hospital, title=f"Notat {n:02d}",
                      document_date=utcnow() - timedelta(days=n))
    page = text(client.get("/records"))
    assert "30 dokumenter" in page
    assert "Notat 00" in page and "Notat 24" in page and "Notat 25" not in page
    older = re.search(r'href="(/records\?cursor=[^"]+)">Eldre dokumenter', page).group(1)
    second = text(client.get(older.replace("&amp;", "&")))
    assert "Notat 25" in second and "Notat 29" in second and "Notat 24" not in second
    assert "Tilbake til de nyeste" in second and "Eldre dokumenter" not in second
    assert client.get("/records?cursor=not-ours").status_code == 400
    assert client.get("/records?cursor=" + "a" * 600).status_code == 400


def test_paging_keeps_the_filter(client, patient, hospital):
    for n in range(27):
        make_document(patient, hospital, title=f"Brev {n}", kind="letter",
                      document_date=utcnow() - timedelta(days=n))
    make_document(patient, hospital, title="Epikrise", document_date=utcnow() - timedelta(99))
    page = text(client.get("/records?type=letter"))
    older = re.search(r'href="(/records\?[^"]+)">Eldre dokumenter', page).group(1)
    assert "type=letter" in older
    second = _listing(client.get(older.replace("&amp;", "&")))
    assert "Brev 26" in second and "Epikrise" not in second


def test_reading_a_document_sanitised_with_its_headings_below_the_page(client, patient,
                                                                       hospital):
    document = make_document(patient, hospital, title="Epikrise", author_name="Lege Lien",
                             content=b"<h1>Innleggelse</h1><p onclick='x()'>Hei <b>du</b></p>"
                                     b"<script>alert(1)</script><img src=x onerror=y>"
                                     b"<a href='https://evil.example'>lenke</a>")
    page = text(client.get(f"/records/documents/{document.id}"))
    assert "<h1>Epikrise</h1>" in page
    assert "<h2>Innleggelse</h2>" in page
    assert "<p>Hei <b>du</b></p>" in page
    for bad in ("<script", "onclick", "onerror", "<img", "evil.example"):
        assert bad not in page, bad
    assert "Lege Lien" in page and "Epikrise" in page
    assert f'href="/records/documents/{document.id}/document.pdf"' in page
    rows = list(db.session.scalars(sa.select(AuditEvent.resource_type).where(
        AuditEvent.subject_person_id == patient.id, AuditEvent.action == "read")))
    assert rows == ["DocumentReference", "Binary"]


def test_text_is_shown_as_paragraphs_escaped(client, patient, hospital):
    document = make_document(patient, hospital, content_type="text/plain",
                             content="Første linje\nandre <linje>\n\nNytt avsnitt".encode())
    page = text(client.get(f"/records/documents/{document.id}"))
    assert "<p>Første linje<br>\nandre &lt;linje&gt;</p>\n<p>Nytt avsnitt</p>" in page


def test_pdf_download_made_from_html(client, patient, hospital):
    document = make_document(patient, hospital, title="Epikrise etter operasjon",
                             content=b"<p>Operert for brokk.</p>")
    response = client.get(f"/records/documents/{document.id}/document.pdf")
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="dokument-{document.id}.pdf"'
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert reader.metadata.title == "Epikrise etter operasjon"
    words = "".join(p.extract_text() for p in reader.pages)
    assert "Operert for brokk." in words and "St. Olavs hospital HF" in words
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]  # tagged (PDF/UA-1)


def test_pdf_download_of_an_original_pdf_is_the_original(client, patient, hospital):
    document = make_document(patient, hospital, content=PDF_BYTES,
                             content_type="application/pdf")
    page = text(client.get(f"/records/documents/{document.id}"))
    assert "Last det ned for å lese det." in page
    assert client.get(f"/records/documents/{document.id}/document.pdf").data == PDF_BYTES


def test_versions_link_to_each_other(client, patient, hospital):
    first = make_document(patient, hospital, title="Epikrise", status="superseded",
                          document_date=datetime(2026, 2, 1, 9, tzinfo=UTC))
    fixed = make_document(patient, hospital, title="Epikrise (rettet)", replaces=first)
    page = text(client.get(f"/records/documents/{fixed.id}"))
    assert "Tidligere versjoner" in page
    assert f'href="/records/documents/{first.id}">Epikrise</a>' in page
    page = text(client.get(f"/records/documents/{first.id}"))
    assert "Det finnes en rettet versjon" in page
    assert f'href="/records/documents/{fixed.id}"' in page
    listing = text(client.get("/records"))
    assert "Rettet versjon" in listing and "En tidligere versjon" in listing


def test_removed_online_access_explains_how_to_restore_it(client, patient, hospital):
    document = make_document(patient, hospital)
    remove_online_access(patient)
    response = client.get("/records")
    page = text(response)
    assert response.status_code == 200
    assert "Tilgangen på nett er fjernet" in page
    assert 'href="/records/privacy"' in page and "Gi tilgangen på nett tilbake" in page
    assert _listing(response) == ""
    assert client.get(f"/records/documents/{document.id}").status_code == 404
    assert client.get(f"/records/documents/{document.id}/document.pdf").status_code == 404


@pytest.mark.parametrize(("lang", "said"), [
    ("nn", ("<h1>Journalen min</h1>", "1 dokument", "Ord i tittelen", "Skrive mellom")),
    ("en", ("<h1>My health record</h1>", "1 document", "Words in the title", "Discharge summary")),
])
def test_the_page_in_nynorsk_and_english(client, patient, hospital, lang, said):
    make_document(patient, hospital, title="Epikrise")
    page = text(client.get(f"/records?lang={lang}"))
    for words in said:
        assert words in page, words


@pytest.mark.parametrize(("lang", "said"), [
    ("nn", ("Last ned som PDF", "Skriven av", "Tilgangen på nett er fjerna")),
    ("en", ("Download as PDF", "Written by", "Online access to the record is removed")),
])
def test_the_document_and_the_removed_page_in_nynorsk_and_english(client, patient, hospital,
                                                                  lang, said):
    document = make_document(patient, hospital)
    page = text(client.get(f"/records/documents/{document.id}?lang={lang}"))
    assert said[0] in page and said[1] in page
    remove_online_access(patient)
    assert said[2] in text(client.get(f"/records?lang={lang}"))


def test_the_tile_counts_new_documents_and_links_to_the_list(client, patient, hospital,
                                                            frozen_clock):
    make_document(patient, hospital, document_date=datetime(2026, 2, 27, 9, tzinfo=UTC))
    make_document(patient, hospital)
    home = text(client.get("/min-side"))
    assert 'href="/records"' in home
    assert "2 ting trenger oppmerksomheten din" in home
    assert "Nyeste dokument: 2. mars 2026" in home
    client.get("/records")
    frozen_clock.shift(timedelta(minutes=1))
    g.pop("records_tile_news")  # the tests' requests share one app context, and so ``g``
    home = text(client.get("/min-side"))
    assert "trenger oppmerksomheten din" not in home.split("Journalen min")[1].split("</li>")[0]


def test_the_tile_says_so_when_online_access_is_removed(client, patient, hospital):
    make_document(patient, hospital)
    remove_online_access(patient)
    assert "Tilgangen til journalen på nett er fjernet." in text(client.get("/min-side"))


# -- who may see them ---------------------------------------------------------------------

def test_another_citizens_document_is_not_found(client, patient, hospital):
    theirs = make_document(make_person(), hospital)
    for path in (f"/records/documents/{theirs.id}", f"/records/documents/{theirs.id}/document.pdf"):
        assert client.get(path).status_code == 404
    assert client.get("/records/documents/2147483647").status_code == 404
    assert client.get("/records/documents/2147483648").status_code == 404
    assert "Epikrise" not in _listing(client.get("/records"))


@pytest.mark.parametrize("hidden", [{"withheld": True},
                                    {"release_after": datetime(2026, 3, 2, 9, tzinfo=UTC)},
                                    {"status": "entered-in-error"}])
def test_withheld_and_not_yet_released_documents_are_not_found(client, patient, hospital,
                                                               hidden):
    document = make_document(patient, hospital, title="Skjult", **hidden)
    assert client.get(f"/records/documents/{document.id}").status_code == 404
    assert client.get(f"/records/documents/{document.id}/document.pdf").status_code == 404
    page = text(client.get("/records"))
    assert "Skjult" not in page and "0 dokumenter" in page


def test_released_at_its_time(client, patient, hospital, frozen_clock):
    release = datetime(2026, 3, 2, 9, tzinfo=UTC)  # T0 is 08.00
    document = make_document(patient, hospital, release_after=release)
    frozen_clock.move_to(release - timedelta(seconds=1))
    log_in_as(client, patient)  # a new session: the first one is idle by now
    assert client.get(f"/records/documents/{document.id}").status_code == 404
    frozen_clock.move_to(release)
    assert client.get(f"/records/documents/{document.id}").status_code == 200


@pytest.fixture
def child_of(hospital):
    def make(client, birth_date):
        parent = make_person(date(1985, 1, 1), given_name="Kari")
        child = make_person(birth_date, given_name="Emil")
        record_guardianship(guardian=parent, child=child, shares_address=True,
                            actor=Actor.system("hospital-system"))
        db.session.commit()
        log_in_as(client, parent, acting_for=child)
        return parent, child
    return make


def test_a_parent_of_a_child_under_12_sees_the_childs_record(client, hospital, child_of):
    _, child = child_of(client, date(2018, 5, 5))
    document = make_document(child, hospital, title="Epikrise barn")
    page = text(client.get("/records"))
    assert "Epikrise barn" in page and "Journalen til Emil" in page
    assert client.get(f"/records/documents/{document.id}").status_code == 200
    row = _search_rows(child)[0]
    assert row.on_behalf_of_person_id == child.id


def test_a_parent_of_a_14_year_old_does_not(client, hospital, child_of):
    _, child = child_of(client, date(2012, 1, 1))
    document = make_document(child, hospital, title="Epikrise ungdom")
    response = client.get("/records")
    assert response.status_code == 403
    assert "Epikrise ungdom" not in text(response)
    assert "Fra barnet er 12 år" in text(response)
    assert client.get(f"/records/documents/{document.id}").status_code == 404
    assert client.get(f"/records/documents/{document.id}/document.pdf").status_code == 404
    assert _search_rows(child) == []
    assert "Journalen min" not in text(client.get("/min-side"))  # no tile either


def test_on_the_12th_birthday_the_parent_loses_the_record(client, hospital, child_of,
                                                          frozen_clock):
    # Born 3 March 2014: 12 years old on 3 March 2026, in Norwegian time.
    parent, child = child_of(client, date(2014, 3, 3))
    document = make_document(child, hospital)
    frozen_clock.move_to(datetime(2026, 3, 2, 22, 59, 59, tzinfo=UTC))  # 23.59.59 in Oslo
    log_in_as(client, parent, acting_for=child)  # the same session would be idle by now
    assert client.get("/records").status_code == 200
    assert client.get(f"/records/documents/{document.id}").status_code == 200
    frozen_clock.move_to(datetime(2026, 3, 2, 23, 0, tzinfo=UTC))  # midnight in Oslo
    assert client.get("/records").status_code == 403
    assert client.get(f"/records/documents/{document.id}").status_code == 404


@pytest.fixture
def giver_with_fullmakt(hospital):
    def make(client, *, areas, ends_on=None):
        giver = make_person(date(1940, 2, 2), given_name="Arne")
        holder = make_person(date(1970, 3, 3), given_name="Hilde")
        today = utcnow().date()
        db.session.add(Fullmakt(giver=giver, recipient=holder, areas=[a.value for a in areas],
                                starts_on=today - timedelta(days=10),
                                ends_on=ends_on or today + timedelta(days=300)))
        db.session.commit()
        log_in_as(client, holder, acting_for=giver)
        return giver
    return make


def test_a_fullmakt_with_records_sees_them(client, hospital, giver_with_fullmakt):
    giver = giver_with_fullmakt(client, areas=[Area.RECORDS])
    document = make_document(giver, hospital, title="Brev til Arne", kind="letter")
    assert "Brev til Arne" in text(client.get("/records"))
    assert client.get(f"/records/documents/{document.id}").status_code == 200


def test_a_fullmakt_without_records_does_not(client, hospital, giver_with_fullmakt):
    giver = giver_with_fullmakt(client, areas=[Area.APPOINTMENTS])
    document = make_document(giver, hospital, title="Brev til Arne")
    assert client.get("/records").status_code == 403
    assert client.get(f"/records/documents/{document.id}").status_code == 404


def test_a_fullmakt_that_ends_ends_access_at_once(client, hospital, giver_with_fullmakt,
                                                 frozen_clock):
    today = utcnow().date()
    giver = giver_with_fullmakt(client, areas=[Area.RECORDS], ends_on=today)
    document = make_document(giver, hospital, title="Brev til Arne")
    assert client.get(f"/records/documents/{document.id}").status_code == 200
    frozen_clock.move_to(datetime(2026, 3, 2, 22, 59, 59, tzinfo=UTC))
    holder = db.session.get(Fullmakt, db.session.scalar(sa.select(sa.func.max(Fullmakt.id)))
                            ).recipient
    log_in_as(client, holder, acting_for=giver)  # the same session would be idle by now
    assert client.get(f"/records/documents/{document.id}").status_code == 200
    frozen_clock.move_to(datetime(2026, 3, 2, 23, 0, tzinfo=UTC))  # the next day in Oslo
    # Acting for herself again: the giver's document is no longer hers to see.
    assert client.get(f"/records/documents/{document.id}").status_code == 404
    assert "Brev til Arne" not in _listing(client.get("/records"))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(args=st.dictionaries(st.sampled_from(["type", "organisation", "from", "to", "q",
                                             "cursor"]),
                            st.text(max_size=40), max_size=4))
def test_any_filter_is_answered_without_a_500(client, patient, args):
    response = client.get("/records", query_string=args)
    assert response.status_code in (200, 400), response.status_code


def test_each_listed_document_links_to_its_own_page(client, patient, hospital, app):
    listed = [make_document(patient, hospital, title=f"Notat {n}") for n in range(3)]
    page = text(client.get("/records"))
    with app.test_request_context():
        paths = [url_for("records_documents.document_page", document_id=d.id) for d in listed]
    for document, path in zip(listed, paths, strict=True):
        assert f'href="{path}">{document.title}</a>' in page
        assert document.title in text(client.get(path))
