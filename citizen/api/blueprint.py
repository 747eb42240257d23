"""Every route of ``/api/v1``; the views live with their features."""

from flask import Blueprint

from citizen.api import openapi, origin
from citizen.auth import views as auth
from citizen.extensions import csrf
from citizen.notifications import api as notifications
from citizen.records import api_exports as record_exports
from citizen.ultrasound import api as ultrasound

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

#: Ids are PostgreSQL integers: a larger one names nothing (404), not a database error.
ID = "int(min=1, max=2147483647)"
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

blueprint.add_url_rule("/exports", endpoint="start_export", view_func=record_exports.api_start,
                       methods=["POST"])
blueprint.add_url_rule(f"/exports/<{ID}:export_id>", endpoint="get_export",
                       view_func=record_exports.api_get)
blueprint.add_url_rule(f"/exports/<{ID}:export_id>/pdf", endpoint="export_pdf",
                       view_func=record_exports.api_pdf)
blueprint.add_url_rule(f"/exports/<{ID}:export_id>/bundle", endpoint="export_bundle",
                       view_func=record_exports.api_bundle)
