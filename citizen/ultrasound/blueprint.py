from flask import Blueprint

from citizen.ids import ID
from citizen.ultrasound import views

blueprint = Blueprint("ultrasound", __name__)
blueprint.add_url_rule("/appointments", view_func=views.overview)
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>", view_func=views.scan)
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>/cancel",
                       view_func=views.cancel_page)
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>/cancel", endpoint="cancel",
                       view_func=views.cancel, methods=["POST"])
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>/move",
                       view_func=views.rebook_page)
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>/move", endpoint="rebook",
                       view_func=views.rebook, methods=["POST"])
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>/change-request",
                       view_func=views.change_page)
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>/change-request",
                       endpoint="change", view_func=views.change, methods=["POST"])
blueprint.add_url_rule("/pregnancy/consent", view_func=views.consent_page)
blueprint.add_url_rule("/pregnancy/consent", endpoint="decide_consent",
                       view_func=views.decide_consent, methods=["POST"])
blueprint.add_url_rule("/pregnancy/report", view_func=views.report_page)
blueprint.add_url_rule("/pregnancy/report", endpoint="report", view_func=views.report,
                       methods=["POST"])
