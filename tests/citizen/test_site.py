"""The frame of every page, the footer's pages, and the stylesheet's fingerprinted address."""

import hashlib
import re
from pathlib import Path

import pytest

from tests.citizen.pages import text

CSS = Path(__file__).parents[2] / "citizen" / "static" / "site.css"


@pytest.mark.parametrize(("path", "lang", "heading"), [
    ("/contact", "nb", "Kontakt oss"), ("/contact", "en", "Contact us"),
    ("/privacy", "nb", "Personvernerklæring"), ("/privacy", "en", "Privacy statement"),
    ("/accessibility", "nn", "Tilgjengelegheitserklæring"),
    ("/accessibility", "en", "Accessibility statement"),
])
def test_the_footer_pages_exist_in_each_language(client, path, lang, heading):
    answer = client.get(f"{path}?lang={lang}")
    page = text(answer)
    assert answer.status_code == 200
    assert f'<html lang="{lang}">' in page and f"<h1>{heading}</h1>" in page
    assert f"<title>{heading} –" in page


def test_every_page_has_the_frame(client):
    page = text(client.get("/contact"))
    assert page.index('class="skip-link" href="#main"') < page.index("<header")
    assert '<main id="main" tabindex="-1">' in page
    assert '<a class="site-name" href="/">Min helse</a>' in page
    for href in ("/contact", "/privacy", "/accessibility"):
        assert f'<a href="{href}">' in page
    assert '<nav aria-label="Språk">' in page and '<nav aria-label="Om tjenesten">' in page
    assert '<nav class="breadcrumbs" aria-label="Du er her">' in page
    assert "<script" not in page and "http://" not in page.replace("http://minhelse.test", "")


def test_the_stylesheet_is_linked_by_its_content_hash_and_cached_for_a_year(client):
    digest = hashlib.sha256(CSS.read_bytes()).hexdigest()[:12]
    page = text(client.get("/"))
    assert f'href="/static/site.css?v={digest}"' in page
    answer = client.get(f"/static/site.css?v={digest}")
    answer.close()
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("query", ["", "?v=0123456789ab"])
def test_an_unfingerprinted_or_stale_address_is_not_cached_for_long(client, query):
    answer = client.get(f"/static/site.css{query}")
    answer.close()
    assert answer.status_code == 200
    assert "immutable" not in answer.headers.get("Cache-Control", "")


def test_the_stylesheet_loads_nothing_from_elsewhere():
    css = CSS.read_text()
    assert not re.search(r"@import|url\(|@font-face", css)
