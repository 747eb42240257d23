from flask import Blueprint

from citizen.ultrasound_staff import views

blueprint = Blueprint("ultrasound_staff", __name__, url_prefix="/staff/ultrasound")
#: An id as the tables hold it: a larger number is no row (404), never a database error.
ID = "int(max=2147483647)"

blueprint.add_url_rule("/requests", view_func=views.requests)
blueprint.add_url_rule(f"/requests/<{ID}:request_id>/handled", view_func=views.handle_request,
                       methods=["POST"])
blueprint.add_url_rule("/cancellations", view_func=views.cancellations)
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>/cancel",
                       view_func=views.cancel_page)
blueprint.add_url_rule(f"/appointments/<{ID}:appointment_id>/cancel", endpoint="cancel",
                       view_func=views.cancel, methods=["POST"])
blueprint.add_url_rule("/consents", view_func=views.consents)
blueprint.add_url_rule("/slots", view_func=views.slots)
blueprint.add_url_rule("/slots", endpoint="add_slot", view_func=views.add_slot,
                       methods=["POST"])
blueprint.add_url_rule(f"/slots/<{ID}:slot_id>/close", view_func=views.close_slot,
                       methods=["POST"])
