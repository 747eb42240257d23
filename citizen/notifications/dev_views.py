"""``/dev/messages``: what the console transport 'sent' (embedded default, ``make run``).
Registered only with DEV_FEATURES, so the route does not exist in production."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, url_for

from citizen.api.paging import keyset_page, page_args
from services.notify.models import ConsoleMessage


def messages():
    page = keyset_page(sa.select(ConsoleMessage), keys=(ConsoleMessage.id,), args=page_args())
    next_page = (url_for("dev_messages.messages", cursor=page.next_cursor)
                 if page.next_cursor else None)
    return render_template("notify/dev_messages.html", messages=page.items,
                           next_page=next_page)
