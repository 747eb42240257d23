from flask import Blueprint

from citizen.home import views

blueprint = Blueprint("home", __name__)
blueprint.add_url_rule("/", view_func=views.front_page)
