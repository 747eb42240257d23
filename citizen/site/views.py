"""The pages the footer links to. Their text is long and legal, so each language has its
own template (``site/<page>.<lang>.html``) rather than a catalogue entry per sentence."""

from flask import render_template

from citizen.i18n import current_language


def _statement(page: str):
    return render_template(f"site/{page}.{current_language()}.html")


def contact():
    return _statement("contact")


def privacy():
    return _statement("privacy")


def accessibility():
    return _statement("accessibility")
