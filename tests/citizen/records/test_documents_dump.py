"""The list API's page is dumped by ``fast_dump``: for varied documents (with and without
a unit or an author, corrections whose earlier version she may or may not see, each type,
a PDF, a next page, each language asked for) it is what ``page_of(DocumentSchema)`` dumps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from citizen.api.schemas import page_of
from citizen.records import api_documents
from citizen.records.document_schemas import DocumentSchema
from services.people.service import add_organisation
from tests.plugins.api import log_in_as
from tests.plugins.factories import make_organisation, make_person
from tests.services.records.factories import make_document


@pytest.fixture
def dumped(monkeypatch):
    """The pages the list dumped, each checked against the schema's own dump."""
    pages = []
    fast = api_documents.dump_page

    def both(page):
        expected = page_of(DocumentSchema)().dump(page)
        got = fast(page)
        assert got == expected
        assert list(got) == list(expected)
        pages.append(got)
        return got

    monkeypatch.setattr(api_documents, "dump_page", both)
    return pages


def test_the_fast_dump_is_the_schemas(api_client, db, frozen_clock, dumped):
    hospital = make_organisation()
    unit = add_organisation(name="Kvinneklinikken", org_number="974749025", parent=hospital)
    patient = make_person(given_name="Ingrid")
    kinds = ("discharge-summary", "outpatient-note", "lab-report", "imaging-report", "letter")
    for day, kind in enumerate(kinds, start=1):
        make_document(patient, hospital, title=f"Dokument {day}", kind=kind,
                      document_date=datetime(2026, 2, day, 9, 30, 15, 250, tzinfo=UTC),
                      unit=unit if day % 2 else None,
                      author_name=None if day == 3 else "Lege Lien",
                      content=b"%PDF-1.7" if day == 4 else b"<p>Innlagt.</p>",
                      content_type="application/pdf" if day == 4 else "text/html")
    seen = make_document(patient, hospital, title="Svar", status="superseded",
                         document_date=datetime(2026, 3, 1, 8, tzinfo=UTC))
    make_document(patient, hospital, title="Svar, rettet", replaces=seen,
                  document_date=datetime(2026, 3, 2, 8, tzinfo=UTC))
    hidden = make_document(patient, hospital, title="Holdt tilbake", withheld=True)
    make_document(patient, hospital, title="Rettet, det første holdt tilbake", replaces=hidden,
                  document_date=datetime(2026, 3, 3, 8, tzinfo=UTC))
    log_in_as(api_client, patient)

    for lang in ("nb", "nn", "en"):
        url = f"/api/v1/documents?limit=3&lang={lang}"
        while url:
            response = api_client.get(url)
            assert response.status_code == 200
            url = response.get_json()["next"]
    items = [item for page in dumped for item in page["items"]]
    assert len(items) == 3 * 8
    assert {item["unit"]["name"] for item in items if item["unit"]} == {"Kvinneklinikken"}
    assert None in {item["author"] for item in items}
    assert {item["replaces"] for item in items} == {None, seen.id}
    assert len({item["type_name"] for item in items}) == len(kinds)
    assert all(page["next"] for page in dumped if len(page["items"]) == 3)
