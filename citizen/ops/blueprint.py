from flask import Blueprint

from citizen.ops import views

blueprint = Blueprint("ops", __name__)
blueprint.add_url_rule("/healthz", view_func=views.healthz)
blueprint.add_url_rule("/readyz", view_func=views.readyz)
blueprint.add_url_rule("/metrics", view_func=views.metrics)
