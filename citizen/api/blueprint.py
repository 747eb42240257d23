"""Every route of ``/api/v1``; the views live with their features."""

from flask import Blueprint

from citizen.api import openapi, origin
from citizen.auth import views as auth
from citizen.extensions import csrf
from citizen.ids import ID
from citizen.notifications import api as notifications
from citizen.records import api_access_log as access_log
from citizen.records import api_documents as documents
from citizen.records import api_exports as record_exports
from citizen.records import consent_api as consent
from citizen.ultrasound import api as ultrasound
from citizen.wound import api as wound
from citizen.wound_staff import api as wound_staff

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
# No CSRF tokens in JSON calls: the origin rule stands in for them (citizen/api/origin.py).
csrf.exempt(blueprint)
blueprint.before_request(origin.refuse_cross_origin)

blueprint.add_url_rule("/openapi.json", view_func=openapi.document)
blueprint.add_url_rule("/me", view_func=auth.me)

blueprint.add_url_rule("/notification-settings", view_func=notifications.get_settings)
blueprint.add_url_rule("/notification-settings", view_func=notifications.put_settings,
                       methods=["PUT"])
blueprint.add_url_rule("/notification-settings/preview", view_func=notifications.preview)

blueprint.add_url_rule("/appointments", view_func=ultrasound.list_appointments)
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>",
                       view_func=ultrasound.get_appointment)
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>/cancel",
                       view_func=ultrasound.cancel_appointment, methods=["POST"])
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>/rebook",
                       view_func=ultrasound.rebook_appointment, methods=["POST"])
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>/change-request",
                       view_func=ultrasound.request_change, methods=["POST"])
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>/calendar.ics",
                       view_func=ultrasound.appointment_calendar)
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>/letter.pdf",
                       view_func=ultrasound.appointment_letter)
blueprint.add_url_rule("/slots", view_func=ultrasound.list_slots)
blueprint.add_url_rule("/pregnancy/consent", view_func=ultrasound.get_consent)
blueprint.add_url_rule("/pregnancy/consent", endpoint="post_consent",
                       view_func=ultrasound.post_consent, methods=["POST"])

# My record: blocks, fullmakter and the consent history (citizen/records/consent_api.py).
blueprint.add_url_rule("/blocks", view_func=consent.list_blocks)
blueprint.add_url_rule("/blocks", view_func=consent.post_block, methods=["POST"])
blueprint.add_url_rule(f"/blocks/<{ID}:block_id>", view_func=consent.delete_block,
                       methods=["DELETE"])
blueprint.add_url_rule("/proxies", view_func=consent.list_proxies)
blueprint.add_url_rule("/proxies", view_func=consent.post_proxy, methods=["POST"])
blueprint.add_url_rule(f"/proxies/<{ID}:fullmakt_id>", view_func=consent.delete_proxy,
                       methods=["DELETE"])
blueprint.add_url_rule("/consent-history", view_func=consent.consent_history_list)

blueprint.add_url_rule("/documents", view_func=documents.list_documents)
blueprint.add_url_rule(f"/documents/<{ID}:document_id>", view_func=documents.get_document)
blueprint.add_url_rule(f"/documents/<{ID}:document_id>/content",
                       view_func=documents.document_content)
blueprint.add_url_rule(f"/documents/<{ID}:document_id>/pdf", view_func=documents.document_pdf)

#: Audit rows are PostgreSQL bigints.
AUDIT_ID = "int(min=1, max=9223372036854775807)"
blueprint.add_url_rule("/access-log", view_func=access_log.list_access_log)
blueprint.add_url_rule(f"/access-log/<{AUDIT_ID}:event_id>/questions",
                       view_func=access_log.ask_about_entry, methods=["POST"])

blueprint.add_url_rule("/exports", endpoint="start_export", view_func=record_exports.api_start,
                       methods=["POST"])
blueprint.add_url_rule(f"/exports/<{ID}:export_id>", endpoint="get_export",
                       view_func=record_exports.api_get)
blueprint.add_url_rule(f"/exports/<{ID}:export_id>/pdf", endpoint="export_pdf",
                       view_func=record_exports.api_pdf)
blueprint.add_url_rule(f"/exports/<{ID}:export_id>/bundle", endpoint="export_bundle",
                       view_func=record_exports.api_bundle)

# Wound follow-up: her questionnaires (citizen/wound/api.py).
blueprint.add_url_rule("/questionnaires", view_func=wound.list_questionnaires)
blueprint.add_url_rule(f"/questionnaires/<{ID}:case_id>", view_func=wound.get_questionnaire)
blueprint.add_url_rule(f"/questionnaires/<{ID}:case_id>/answers",
                       view_func=wound.post_questionnaire_answer, methods=["POST"])
blueprint.add_url_rule(f"/questionnaires/<{ID}:case_id>/photo",
                       view_func=wound.post_questionnaire_photo, methods=["POST"])
blueprint.add_url_rule(f"/questionnaires/<{ID}:case_id>/receipt.pdf",
                       view_func=wound.questionnaire_receipt)

# Infection-control staff's wound surveillance (citizen/wound_staff/api_*.py).
wound_staff.add_routes(blueprint)
