from flask import Blueprint

from citizen.auth import staff_views, views
from citizen.extensions import limiter

#: Per client address; enough for people who mistype, too few for a credential-stuffing loop.
LOGIN_RATE = "20 per minute"

blueprint = Blueprint("auth", __name__)


def _limited(view):
    return limiter.limit(LOGIN_RATE)(view)


blueprint.add_url_rule("/auth/login", view_func=_limited(views.login))
blueprint.add_url_rule("/auth/callback", view_func=_limited(views.callback))
blueprint.add_url_rule("/auth/logout", view_func=views.logout, methods=["POST"])
blueprint.add_url_rule("/auth/logged-out", view_func=views.logged_out)
blueprint.add_url_rule("/auth/timed-out", view_func=views.timed_out)
blueprint.add_url_rule("/acting-for", endpoint="acting_for", view_func=views.acting_for_page)
blueprint.add_url_rule("/acting-for", endpoint="choose_acting_for",
                       view_func=views.choose_acting_for, methods=["POST"])

blueprint.add_url_rule("/staff/auth/login", view_func=_limited(staff_views.staff_login))
blueprint.add_url_rule("/staff/auth/callback", view_func=_limited(staff_views.staff_callback))
blueprint.add_url_rule("/staff/auth/logout", endpoint="staff_logout", view_func=views.logout,
                       methods=["POST"])
blueprint.add_url_rule("/staff/auth/logged-out", view_func=views.staff_logged_out)
blueprint.add_url_rule("/staff/auth/organisation", view_func=staff_views.staff_organisation)
blueprint.add_url_rule("/staff/auth/organisation", endpoint="choose_staff_organisation",
                       view_func=staff_views.choose_staff_organisation, methods=["POST"])
