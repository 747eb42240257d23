"""A wound photo with her answer on the web: a plain file field on the review page (no
JavaScript), JPEG/PNG by content, refusals at the field (4xx) with nothing stored, only
for her own open questionnaire; the receipt page links the receipt PDF."""

from __future__ import annotations

import io

import pytest

from services.wound.models import CaseState, Photo
from tests.citizen.pages import csrf, text
from tests.citizen.wound.filling import answer_all, open_case
from tests.plugins.db import table_rows
from tests.plugins.factories import make_person
from tests.services.wound.images import other_format, png, png_claiming


def upload(client, case, data: bytes | None, *, filename="saar.png", token=None):
    token = token or csrf(text(client.get(f"/questionnaires/{case.id}/review")))
    form = {"csrf_token": token}
    if data is not None:
        form["photo"] = (io.BytesIO(data), filename)
    return client.post(f"/questionnaires/{case.id}/photo", data=form,
                       content_type="multipart/form-data")


def test_the_review_page_offers_a_file_field_that_posts_without_javascript(client, case):
    page = text(client.get(f"/questionnaires/{case.id}/review"))
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert 'accept="image/jpeg,image/png"' in page
    assert "Bare smittevernet på sykehuset ser det." in page


def test_a_photo_is_kept_and_the_page_says_so(client, case):
    added = upload(client, case, png())
    assert added.status_code == 303
    assert added.location.endswith(f"/questionnaires/{case.id}/review#photo")
    [photo] = table_rows(Photo)
    assert photo.follow_up_id == case.id and photo.content_type == "image/png"
    page = text(client.get(added.location))
    assert "Bildet er lagt ved." in page and "Du har lagt ved 1 bilde." in page


@pytest.mark.parametrize(("data", "status", "said"), [
    (other_format("GIF"), 415, "Vi kan ikke bruke denne fila."),
    (b"%PDF-1.7 not a photo", 415, "Vi kan ikke bruke denne fila."),
    (png_claiming(20_000, 20_000), 422, "Bildet er for stort. Ta det på nytt"),
    (None, 422, "Velg et bilde du vil legge ved."),
    (b"", 422, "Velg et bilde du vil legge ved."),
])
def test_what_is_not_a_usable_photo_is_said_at_the_field_and_not_kept(client, case, data,
                                                                      status, said):
    refused = upload(client, case, data)
    assert refused.status_code == status
    page = text(refused)
    assert said in page and 'aria-invalid="true"' in page
    assert table_rows(Photo) == []


def test_a_photo_over_the_size_limit_is_refused(app, client, case, monkeypatch):
    monkeypatch.setitem(app.config, "WOUND_PHOTO_MAX_BYTES", 1000)
    refused = upload(client, case, png(size=(400, 400), mode="RGB"))
    assert refused.status_code == 413 and "høyst" in text(refused)
    assert table_rows(Photo) == []


def test_no_more_than_the_limit_per_case(app, client, case, monkeypatch):
    monkeypatch.setitem(app.config, "WOUND_PHOTOS_PER_CASE", 1)
    assert upload(client, case, png()).status_code == 303
    page = text(client.get(f"/questionnaires/{case.id}/review"))
    assert 'type="file"' not in page
    assert upload(client, case, png()).status_code == 409
    assert len(table_rows(Photo)) == 1


def test_without_the_csrf_token_nothing_is_kept(client, case):
    refused = client.post(f"/questionnaires/{case.id}/photo",
                          data={"photo": (io.BytesIO(png()), "x.png")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400
    assert table_rows(Photo) == []


def test_another_persons_questionnaire_is_404(client, hospital, ola):
    theirs = open_case(make_person(given_name="Kari"), hospital)
    token = csrf(text(client.get("/questionnaires")))
    assert upload(client, theirs, png(), token=token).status_code == 404
    assert table_rows(Photo) == []


def test_a_questionnaire_not_open_takes_no_photo(client, hospital, ola):
    closed = open_case(ola, hospital, state=CaseState.CLOSED)
    token = csrf(text(client.get("/questionnaires")))
    assert upload(client, closed, png(), token=token).status_code == 302
    assert table_rows(Photo) == []


def test_the_receipt_page_links_the_receipt_pdf(client, case):
    answer_all(client, case)
    page = text(client.get(f"/questionnaires/{case.id}/receipt"))
    assert f'href="/questionnaires/{case.id}/receipt.pdf"' in page
    assert "Last ned svarene dine (PDF)" in page
    pdf = client.get(f"/questionnaires/{case.id}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
