"""Content checks (services/records/content.py): by the bytes, not the declared type."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.records.content import (
    DEFAULT_MAX_BYTES,
    HTML,
    PDF,
    TEXT,
    ContentRefused,
    check,
    sanitise_html,
)
from tests.citizen.fhir.records_support import pdf_bytes


def test_a_pdf_is_stored_as_it_is():
    data = pdf_bytes(pages=3)
    checked = check(declared="application/pdf", data=data)
    assert (checked.content_type, checked.data) == (PDF, data)


@pytest.mark.parametrize("declared", ["APPLICATION/PDF", "application/pdf; name=x.pdf"])
def test_the_declared_type_is_read_as_mime_types_are(declared):
    assert check(declared=declared, data=pdf_bytes()).content_type == PDF


def test_a_pdf_with_no_pages_is_refused():
    with pytest.raises(ContentRefused, match="no pages"):
        check(declared=PDF, data=pdf_bytes(pages=0))


def test_a_truncated_pdf_is_refused():
    data = pdf_bytes()
    with pytest.raises(ContentRefused):
        check(declared=PDF, data=data[: len(data) // 3])


@pytest.mark.parametrize(("html", "clean"), [
    ("<p>Hei</p>", "<p>Hei</p>"),
    ("<p>Hei<script>alert(1)</script></p>", "<p>Hei</p>"),
    ('<p onload="x()" style="color:red" class="a">Hei</p>', "<p>Hei</p>"),
    ('<a href="https://phish.example">Logg inn</a>', "Logg inn"),
    ('<img src="https://tracker.example/p.gif" alt="x">Tekst', "Tekst"),
    ("<html><head><title>Tittel</title></head><body><p>Tekst</p></body></html>",
     "<p>Tekst</p>"),
    ("<iframe src='x'>inne</iframe><p>ute</p>", "<p>ute</p>"),
    ("<svg><script>x</script></svg><p>ok</p>", "<p>ok</p>"),
    ("<!-- kommentar --><p>ok</p>", "<p>ok</p>"),
    ('<table><tr><th scope="col" onclick="x">A</th></tr><tr><td colspan="2">1</td></tr></table>',
     '<table><tbody><tr><th scope="col">A</th></tr><tr><td colspan="2">1</td></tr></tbody>'
     "</table>"),
    ('<p lang="nn">Tekst</p>', '<p lang="nn">Tekst</p>'),
    ("<p>1 &lt; 2</p>", "<p>1 &lt; 2</p>"),
])
def test_html_keeps_structure_and_text_and_loses_the_rest(html, clean):
    assert sanitise_html(html) == clean


def test_text_is_utf8_without_a_bom():
    checked = check(declared="text/plain", data="\ufeffÆØÅ\r\n".encode())
    assert (checked.content_type, checked.data) == (TEXT, "ÆØÅ\r\n".encode())


def test_the_limit_is_checked_before_anything_is_parsed():
    with pytest.raises(ContentRefused, match="at most 10"):
        check(declared=HTML, data=b"<p>" + b"x" * 20 + b"</p>", max_bytes=10)
    assert check(declared=TEXT, data=b"x" * 10, max_bytes=10).size == 10
    assert DEFAULT_MAX_BYTES == 3 * 1024 * 1024


def test_the_stored_hash_is_of_what_is_stored():
    import hashlib

    checked = check(declared=HTML, data=b"<p>a</p><script>b</script>")
    assert checked.data == b"<p>a</p>"
    assert checked.sha256 == hashlib.sha256(b"<p>a</p>").hexdigest()


@given(data=st.binary(max_size=300), declared=st.sampled_from([
    PDF, HTML, TEXT, "text/html; charset=utf-8", "image/jpeg", "", "text/plain; charset=x"]))
def test_any_bytes_are_checked_or_refused_never_an_other_error(data, declared):
    try:
        checked = check(declared=declared, data=data)
    except ContentRefused:
        return
    assert checked.content_type in (PDF, HTML, TEXT)
    if checked.content_type == HTML:
        assert b"<script" not in checked.data.lower()


@given(junk=st.binary(min_size=1, max_size=200), cut=st.integers(0, 2000))
def test_damaged_pdfs_are_refused_or_opened(junk, cut):
    data = pdf_bytes()
    mangled = data[:cut] + junk + data[cut + len(junk):]
    with contextlib.suppress(ContentRefused):
        assert check(declared=PDF, data=mangled).content_type == PDF


@given(text=st.text(max_size=200))
def test_sanitised_html_has_no_script_or_handlers(text):
    html = f"<p>{text}</p><script>{text}</script><b onclick='{text}'>x</b>"
    try:
        clean = sanitise_html(html)
    except ContentRefused:
        return
    assert "<script" not in clean.lower() and "onclick" not in clean.lower()
