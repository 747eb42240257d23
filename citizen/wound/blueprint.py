from flask import Blueprint

from citizen.ids import ID
from citizen.wound import views

blueprint = Blueprint("wound", __name__)
blueprint.add_url_rule("/questionnaires", view_func=views.questionnaire_list)
blueprint.add_url_rule(f"/questionnaires/<{ID}:case_id>", view_func=views.questionnaire)
blueprint.add_url_rule(f"/questionnaires/<{ID}:case_id>/pages/<int(min=1, max=99):number>",
                       view_func=views.page)
blueprint.add_url_rule(f"/questionnaires/<{ID}:case_id>/pages/<int(min=1, max=99):number>",
                       endpoint="save_page", view_func=views.save_page, methods=["POST"])
blueprint.add_url_rule(f"/questionnaires/<{ID}:case_id>/review", view_func=views.review)
blueprint.add_url_rule(f"/questionnaires/<{ID}:case_id>/review", endpoint="submit",
                       view_func=views.submit, methods=["POST"])
blueprint.add_url_rule(f"/questionnaires/<{ID}:case_id>/receipt", view_func=views.receipt)
blueprint.add_url_rule(f"/questionnaires/<{ID}:case_id>/photo", endpoint="add_photo",
                       view_func=views.add_photo, methods=["POST"])
