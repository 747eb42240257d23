"""Administrators' pages: messages that failed or are dead (and sending one again), and the
letters that must go on paper."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, url_for
from werkzeug.exceptions import NotFound

from citizen.api.paging import keyset_page, page_args
from citizen.auth.current import current_session, staff_required
from citizen.babel_cache import gettext as _
from citizen.notifications.labels import event_label
from services.db import db
from services.notify import admin, paper
from services.outbox.models import OutboxMessage
from services.people import service as people
from services.people.models import Person, Role


@staff_required(role=Role.ADMIN)
def outbox():
    page = keyset_page(admin.troubled(), keys=(OutboxMessage.created_at, OutboxMessage.id),
                       args=page_args())
    troubles = admin.describe(page.items, actor=g.actor)
    next_page = (url_for("notifications.outbox", cursor=page.next_cursor)
                 if page.next_cursor else None)
    return render_template("notify/outbox.html", troubles=troubles, next_page=next_page,
                           event_label=event_label)


@staff_required(role=Role.ADMIN)
def resend(message_id: int):
    try:
        admin.resend(message_id=message_id, actor=g.actor)
    except people.NotFound:
        raise NotFound() from None
    flash(_("Message %(id)d will be sent again.", id=message_id), "success")
    return redirect(url_for("notifications.outbox"), code=303)


@staff_required(role=Role.ADMIN)
def letters():
    due = paper.paper_letters_due(actor=g.actor, organisation_ids=_own_organisation())
    people_by_id = {person.id: person for person in db.session.scalars(
        sa.select(Person).where(Person.id.in_({letter.person_id for letter in due})))}
    return render_template("notify/letters.html", letters=due, people=people_by_id,
                           event_label=event_label)


@staff_required(role=Role.ADMIN)
def letter_sent(notification_id: int):
    try:
        paper.mark_letter_sent(notification_id=notification_id, actor=g.actor,
                               organisation_ids=_own_organisation())
    except people.NotFound:
        raise NotFound() from None
    flash(_("The letter is marked as sent."), "success")
    return redirect(url_for("notifications.letters"), code=303)


def _own_organisation() -> set[int]:
    """Letters from the organisation the staff member works in now, and its units."""
    return {current_session().organisation_id}
