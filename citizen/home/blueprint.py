from flask import Blueprint

from citizen.home import views

blueprint = Blueprint("home", __name__)
blueprint.add_url_rule("/", view_func=views.front_page)
blueprint.add_url_rule("/min-side", view_func=views.citizen_home)
blueprint.add_url_rule("/staff", view_func=views.staff_home)
