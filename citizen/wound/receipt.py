"""``/questionnaires/<id>/receipt.pdf``: the receipt of her answers, to download from her
pages (the API's is ``/api/v1/questionnaires/<id>/receipt.pdf``).

Whose: the person the citizen acts for, when the representation covers questionnaires;
any other case, and one without a final answer yet, is 404.
"""

from __future__ import annotations

from flask import Blueprint, Response, g
from werkzeug.exceptions import NotFound

from citizen.auth.current import login_required
from citizen.i18n import current_language
from citizen.ids import ID
from citizen.wound.receipt_pdf import filename_of, receipt_pdf
from citizen.wound.subject import questionnaires_subject
from services.wound import cases

blueprint = Blueprint("wound_receipt", __name__)


@blueprint.get(f"/questionnaires/<{ID}:case_id>/receipt.pdf")
@login_required
def receipt(case_id: int) -> Response:
    subject = questionnaires_subject()
    if subject is None:
        raise NotFound()
    try:
        found = cases.receipt_of(case_id=case_id, person_id=subject.id, actor=g.actor)
    except cases.CaseNotFound:
        raise NotFound() from None
    return download(receipt_pdf(found, current_language()), filename_of(found))


def download(body: bytes, filename: str) -> Response:
    response = Response(body, content_type="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Health data: not kept by shared caches or the browser's disk cache.
    response.headers["Cache-Control"] = "no-store"
    return response
