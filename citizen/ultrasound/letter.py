"""The appointment letter as a PDF: what the scan's page says, in the reader's language."""

from __future__ import annotations

from citizen.babel_cache import gettext as _
from citizen.i18n import current_language
from citizen.pdf import render_pdf
from citizen.ultrasound.labels import service_name
from services.ultrasound.selfservice import Scan, interpreter_languages


def render(scan: Scan) -> bytes:
    code = scan.appointment.interpreter_language
    return render_pdf("pdf/ultrasound_letter.html", language=current_language(),
                      title=_("Appointment: %(service)s", service=service_name(
                          scan.appointment.service)),
                      scan=scan,
                      interpreter=interpreter_languages(current_language()).get(code, code)
                      if code else None)
