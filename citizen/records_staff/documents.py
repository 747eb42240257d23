"""A staff member looks up a patient's documents: by fødselsnummer, with a reason.

There is no records work list yet, so every lookup is "outside the work list" and needs a
reason (``services.people.staff_access``); it is audited with each read and the patient
sees it in her access log. The number and the reason travel in POSTed forms only, never in
a URL (URLs end up in logs and browser history). Staff see what ``services.records.access``
lets staff see: their own hospital's documents, and other organisations' unless the
patient blocks them from sharing; a staff member she has blocked by name sees nothing.

Who: staff with a clinical role (infection control, the ultrasound clinic) in the
organisation they chose; administrators and records officers are refused.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, Response, current_app, g, render_template, request
from werkzeug.exceptions import Forbidden, NotFound

from citizen.auth.current import current_staff_roles, staff_required
from citizen.babel_cache import gettext as _
from citizen.ids import ID
from citizen.records.document_pdf import filename_of, pdf_of
from citizen.records.labels import kind_name
from citizen.records.present import is_pdf, readable
from services.clock import utcnow
from services.db import db
from services.people.identity import InvalidNationalId, parse_national_id
from services.people.models import Person, Role
from services.people.service import find_person
from services.people.staff_access import MIN_REASON_LENGTH, ReasonRequired
from services.records import documents

blueprint = Blueprint("records_staff_documents", __name__, url_prefix="/staff/records")
#: Health personnel who may read a patient's record for her care.
CLINICAL_ROLES = frozenset({Role.INFECTION_CONTROL, Role.ULTRASOUND_CLINIC})
MAX_REASON = 500
TEMPLATES = "records_staff/documents/"


def clinical_staff(view):
    @staff_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not CLINICAL_ROLES & current_staff_roles():
            raise Forbidden()
        return view(*args, **kwargs)

    return wrapped


@clinical_staff
def lookup_page():
    return _lookup_form()


@clinical_staff
def lookup():
    values = {"national_id": request.form.get("national_id", "").strip(),
              "reason": " ".join(request.form.get("reason", "").split())}
    errors = _reason_errors(values["reason"])
    patient = None
    try:
        number = parse_national_id(values["national_id"],
                                   allow_synthetic=current_app.config["DEV_FEATURES"])
        patient = find_person(national_id=number)
        if patient is None:
            errors["national_id"] = _("We know no patient with this number.")
    except InvalidNationalId:
        errors["national_id"] = _("Write the 11 digits of the fødselsnummer or D-number.")
    if errors:
        return _lookup_form(values={"national_id": values["national_id"],
                                    "reason": values["reason"]}, errors=errors, status=422)
    found = documents.staff_documents(person_id=patient.id, actor=g.actor,
                                      reason=values["reason"])
    return render_template(TEMPLATES + "list.html", patient=patient, documents=found,
                           reason=values["reason"], kind_name=kind_name, now=utcnow())


@clinical_staff
def document_page(document_id: int):
    document = _document(document_id)
    data = document.content.data
    return render_template(TEMPLATES + "document.html", document=document,
                           patient=db.session.get(Person, document.person_id),
                           kind=kind_name(document.kind), is_pdf=is_pdf(document),
                           body=readable(document, data, top_level=2),
                           reason=_reason())


@clinical_staff
def document_pdf(document_id: int):
    document = _document(document_id)
    response = Response(pdf_of(document, document.content.data), content_type="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename_of(document)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


blueprint.add_url_rule("", view_func=lookup_page)
blueprint.add_url_rule("", endpoint="lookup", view_func=lookup, methods=["POST"])
blueprint.add_url_rule(f"/documents/<{ID}:document_id>", view_func=document_page,
                       methods=["POST"])
blueprint.add_url_rule(f"/documents/<{ID}:document_id>/document.pdf", view_func=document_pdf,
                       methods=["POST"])


def _reason() -> str:
    return " ".join(request.form.get("reason", "").split())


def _reason_errors(reason: str) -> dict[str, str]:
    if len(reason) < MIN_REASON_LENGTH:
        return {"reason": _("Say why you need to read the record (at least %(num)d "
                            "characters). The patient will see it.", num=MIN_REASON_LENGTH)}
    if len(reason) > MAX_REASON:
        return {"reason": _("Write at most %(num)d characters.", num=MAX_REASON)}
    return {}


def _document(document_id: int):
    """The document, its reading audited with the form's reason; 404 if staff may not see
    it, 422 (the lookup form) without a reason."""
    reason = _reason()
    if _reason_errors(reason):
        raise _NoReason()
    try:
        return documents.staff_document(document_id=document_id, actor=g.actor, reason=reason)
    except documents.DocumentNotFound:
        raise NotFound() from None
    except ReasonRequired:  # the same rule, stated by the service
        raise _NoReason() from None


class _NoReason(Exception):
    pass


@blueprint.errorhandler(_NoReason)
def _no_reason(_exc):
    return _lookup_form(errors=_reason_errors(""), status=422)


def _lookup_form(*, values=None, errors=None, status=200):
    return render_template(TEMPLATES + "lookup.html",
                           values=values or {"national_id": "", "reason": ""},
                           errors=errors or {}, min_reason=MIN_REASON_LENGTH), status
