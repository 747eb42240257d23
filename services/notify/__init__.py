"""Notifications: the one way a message reaches a citizen (SMS, e-mail, or a paper letter).

Services call ``notify()`` (or ``notify_many()`` for a batch, due jobs); it decides channel,
language, content and timing from the person's settings and enqueues outbox rows. Channels
deliver them from the workers. ``notify_later()`` has a worker decide (a receipt of the
citizen's own action: her request does not wait for the decision's reads and KRR).
"""

from services.domain import Domain

DOMAIN = Domain("notify", models="services.notify.models",
                registers=("services.notify.events", "services.notify.channels",
                           "services.notify.later"),
                demo="services.notify.demo")
