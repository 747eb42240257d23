"""The design system's macros render the markup their accessibility depends on."""

from datetime import UTC, datetime

from flask import render_template_string

IMPORT = ('{% from "macros/components.html" import button, error_summary, field, notice, '
          'page_heading, summary_list, table, time %}')


def _render(app, source: str, lang: str = "nb", **context) -> str:
    with app.test_request_context(f"/?lang={lang}"):
        return render_template_string(IMPORT + source, **context)


def test_buttons_come_in_three_kinds_as_buttons_or_links(app):
    html = _render(app, '{{ button("Send") }}{{ button("Avbryt", kind="secondary", href="/") }}'
                        '{{ button("Slett", kind="danger", name="action", value="delete") }}')
    assert '<button class="button button-primary" type="submit">Send</button>' in html
    assert '<a class="button button-secondary" href="/">Avbryt</a>' in html
    assert ('<button class="button button-danger" type="submit" name="action" '
            'value="delete">Slett</button>') in html


def test_a_field_ties_its_hint_and_error_to_the_input(app):
    html = _render(app, '{{ field("phone", "Mobil", hint="8 siffer", error="Skriv 8 siffer") }}')
    assert '<label for="phone">Mobil</label>' in html
    assert 'aria-describedby="phone-hint phone-error" aria-invalid="true"' in html
    plain = _render(app, '{{ field("phone", "Mobil") }}')
    assert "aria-describedby" not in plain and "aria-invalid" not in plain


def test_the_error_summary_links_to_each_field_and_is_announced(app):
    html = _render(app, '{{ error_summary({"phone": "Skriv 8 siffer", "email": "Mangler @"}) }}')
    assert 'role="alert"' in html and "<h2 id=\"error-summary-title\">Rett opp dette</h2>" in html
    assert '<a href="#phone">Skriv 8 siffer</a>' in html and '<a href="#email">' in html
    assert "error-summary" not in _render(app, "{{ error_summary({}) }}")


def test_notices_announce_success_and_errors_only(app):
    html = _render(app, '{% call notice("success") %}Lagret{% endcall %}'
                        '{% call notice("info") %}Til info{% endcall %}')
    assert 'class="notice notice-success" role="status"' in html
    assert 'class="notice notice-info">' in html


def test_a_table_repeats_its_headings_for_the_phone_layout(app):
    html = _render(app, '{{ table("Timer", ["Dato", "Sted"], [["1. desember", "St. Olav"]]) }}')
    assert "<caption>Timer</caption>" in html and '<th scope="col">Dato</th>' in html
    assert '<td data-label="Sted">St. Olav</td>' in html


def test_breadcrumbs_lead_up_and_mark_the_page(app):
    html = _render(app, '{{ page_heading("Kontakt", crumbs=[("Forside", "/")]) }}')
    assert '<nav class="breadcrumbs" aria-label="Du er her">' in html
    assert '<li><a href="/">Forside</a></li>' in html
    assert '<span aria-current="page">Kontakt</span>' in html and "<h1>Kontakt</h1>" in html


def test_time_is_readable_and_machine_readable(app):
    moment = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    html = _render(app, "{{ time(moment) }}", lang="nn", moment=moment)
    assert '<time datetime="2026-12-01T09:30:00+00:00">1. desember 2026 kl. 10.30</time>' in html


def test_a_summary_list_pairs_terms_and_values(app):
    html = _render(app, '{{ summary_list([("Navn", "Kari")]) }}')
    assert '<div class="summary-row"><dt>Navn</dt><dd>Kari</dd></div>' in html
