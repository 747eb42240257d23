from flask import Blueprint

from citizen.extensions import csrf
from citizen.helsenorge import views

blueprint = Blueprint("helsenorge", __name__, url_prefix="/helsenorge")
blueprint.add_url_rule("/messages", view_func=views.receive_message, methods=["POST"])
csrf.exempt(blueprint)  # authenticated by HMAC signature, not a cookie
