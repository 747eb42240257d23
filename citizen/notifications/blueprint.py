from flask import Blueprint

from citizen.notifications import dev_views, staff_views, views

blueprint = Blueprint("notifications", __name__)
blueprint.add_url_rule("/settings/notifications", view_func=views.settings_page)
blueprint.add_url_rule("/settings/notifications", endpoint="save_settings",
                       view_func=views.save_settings, methods=["POST"])
blueprint.add_url_rule("/staff/notifications/outbox", view_func=staff_views.outbox)
blueprint.add_url_rule("/staff/notifications/outbox/<int:message_id>/resend",
                       view_func=staff_views.resend, methods=["POST"])
blueprint.add_url_rule("/staff/notifications/letters", view_func=staff_views.letters)
blueprint.add_url_rule("/staff/notifications/letters/<int:notification_id>/sent",
                       view_func=staff_views.letter_sent, methods=["POST"])

#: Only with DEV_FEATURES (``register_notifications``).
dev_blueprint = Blueprint("dev_messages", __name__)
dev_blueprint.add_url_rule("/dev/messages", view_func=dev_views.messages)
