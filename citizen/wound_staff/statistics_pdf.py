"""The statistics page as a PDF/UA-1 document (``citizen.pdf``): title, language, the
tables with their headers, and the charts as inline SVG."""

from __future__ import annotations

from flask_babel import force_locale

from citizen.babel_cache import gettext as _
from citizen.pdf import render_pdf
from services.wound.statistics import Report

TEMPLATE = "pdf/wound_statistics.html"


def statistics_pdf(report: Report, lang: str) -> bytes:
    from citizen.wound_staff import statistics as page

    with force_locale(lang):
        return render_pdf(TEMPLATE, language=lang, title=_("Wound infection statistics"),
                          report=report, **page.FORMATTERS,
                          incidence_chart=page.incidence_chart(report),
                          nnis_chart=page.nnis_chart(report))
