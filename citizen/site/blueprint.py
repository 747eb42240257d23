from flask import Blueprint

from citizen.site import assets, limits, views

blueprint = Blueprint("site", __name__)
blueprint.add_url_rule("/contact", view_func=views.contact)
blueprint.add_url_rule("/privacy", view_func=views.privacy)
blueprint.add_url_rule("/accessibility", view_func=views.accessibility)
blueprint.app_template_global("static_url")(assets.static_url)
blueprint.after_app_request(assets.cache_fingerprinted)
blueprint.before_app_request(limits.refuse_oversized)
