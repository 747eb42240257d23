"""The PDF renderer: PDF/UA-1 with language and title, tagged headings, and a fetcher that
serves the project's own files and refuses everything else."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from flask import render_template_string

from citizen import pdf
from citizen.pdf import PDF_ORIGIN, RefusedURL, local_path, render_pdf

PROJECT = Path(__file__).resolve().parents[2]


def read(data: bytes) -> pypdf.PdfReader:
    assert data.startswith(b"%PDF-1.7")
    return pypdf.PdfReader(io.BytesIO(data))


@pytest.fixture
def test_template(app, tmp_path, monkeypatch):
    """A document template of the test's own, in a loader the app also searches."""
    import jinja2

    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "test.html").write_text(
        '{% extends "pdf/_document.html" %}{% block content %}'
        "<h1>Overskrift</h1><h2>Under</h2><p>{{ text }}</p>"
        "{% for url in urls %}<img alt='' src='{{ url }}'>{% endfor %}"
        "{% endblock %}")
    monkeypatch.setattr(app, "jinja_loader", jinja2.ChoiceLoader(
        [app.jinja_loader, jinja2.FileSystemLoader(str(tmp_path))]))
    app.jinja_env.cache = {}
    return "pdf/test.html"


def test_pdf_ua_with_language_title_and_tagged_headings(app, test_template):
    with app.test_request_context():
        data = render_pdf(test_template, language="nn", title="Brev om timen", text="Hei")
    reader = read(data)
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "nn"
    assert catalog["/MarkInfo"]["/Marked"] == pypdf.generic.BooleanObject(True)
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == pypdf.generic.BooleanObject(True)
    assert reader.metadata.title == "Brev om timen"
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfuaid:part(="1"|>1<)', xmp)
    roles = structure_roles(catalog["/StructTreeRoot"])
    assert {"H1", "H2", "P"} <= roles
    assert "Overskrift" in reader.pages[0].extract_text()


def structure_roles(node, found=None) -> set[str]:
    found = set() if found is None else found
    node = node.get_object()
    if isinstance(node, pypdf.generic.ArrayObject):
        for kid in node:
            structure_roles(kid, found)
        return found
    if not isinstance(node, pypdf.generic.DictionaryObject):
        return found
    if "/S" in node:
        found.add(str(node["/S"]).lstrip("/"))
    if "/K" in node:
        structure_roles(node["/K"], found)
    return found


def test_text_is_escaped_not_interpreted(app, test_template):
    with app.test_request_context():
        data = render_pdf(test_template, language="nb", title="T",
                          text="<img src='file:///etc/passwd'>")
    assert "<img src='file:///etc/passwd'>" in read(data).pages[0].extract_text()


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    f"file://{PROJECT}/citizen/static/site.css",
    "https://example.com/tracker.png",
    "http://127.0.0.1:5000/static/site.css",
    "data:image/png;base64,iVBORw0KGgo=",
    f"{PDF_ORIGIN}templates/base.html",
    f"{PDF_ORIGIN}pdf/../../pyproject.toml",
    f"{PDF_ORIGIN}pdf/%2e%2e/%2e%2e/pyproject.toml",
    f"{PDF_ORIGIN}static/../../citizen/config.py",
    f"{PDF_ORIGIN}static/no-such-file.css",
    f"{PDF_ORIGIN}static/",
    f"{PDF_ORIGIN}static/site.css?x=1",
    "https://pdf.minhelse.invalid.example.com/static/site.css",
    "//example.com/x.png",
])
def test_the_fetcher_refuses_everything_but_the_projects_files(url):
    with pytest.raises(RefusedURL):
        local_path(url)
    with pytest.raises(RefusedURL):
        pdf.fetcher_class()().fetch(url)


@pytest.mark.parametrize(("url", "path"), [
    (f"{PDF_ORIGIN}static/site.css", PROJECT / "citizen" / "static" / "site.css"),
    (f"{PDF_ORIGIN}pdf/document.css", PROJECT / "templates" / "pdf" / "document.css"),
])
def test_the_fetcher_serves_the_projects_files(url, path):
    assert local_path(url) == path
    response = pdf.fetcher_class()().fetch(url)
    assert response.read() == path.read_bytes()
    assert response.content_type == "text/css"


def test_a_document_asking_for_other_urls_renders_without_them(app, test_template,
                                                               monkeypatch):
    asked: list[str] = []
    real = pdf.fetcher_class().fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return real(self, url, headers)

    monkeypatch.setattr(pdf.fetcher_class(), "fetch", spy)
    opened: list[str] = []
    monkeypatch.setattr("urllib.request.OpenerDirector.open",
                        lambda self, *a, **k: opened.append(a) or (_ for _ in ()).throw(
                            AssertionError("the network or the disk was asked")))
    with app.test_request_context():
        data = render_pdf(test_template, language="nb", title="T", text="Hei",
                          urls=["file:///etc/hostname", "https://example.com/t.png"])
    assert "Hei" in read(data).pages[0].extract_text()
    assert "file:///etc/hostname" in asked and "https://example.com/t.png" in asked
    assert f"{PDF_ORIGIN}pdf/document.css" in asked
    assert opened == []


def test_the_frame_needs_only_language_and_title(app):
    # The frame itself renders with only the two variables render_pdf gives it.
    with app.test_request_context():
        html = render_template_string('{% extends "pdf/_document.html" %}',
                                      document_language="en", document_title="X")
    assert '<html lang="en">' in html and "<title>X</title>" in html


def test_a_process_that_makes_no_pdf_never_imports_weasyprint():
    # Its import is about a second of every process's start: gunicorn and Celery workers,
    # the scheduler, every CLI command (``jobs run-due`` included).
    code = ("import sys, wsgi\n"
            "cli = wsgi.app.test_cli_runner().invoke(args=['jobs', 'run-due', '--help'])\n"
            "assert cli.exit_code == 0, cli.output\n"
            "page = wsgi.app.test_client().get('/static/site.css')\n"
            "assert page.status_code == 200, page.status\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'weasyprint'))")
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True,
                            text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
