"""Operator command: ``flask --app wsgi notify test --to +47...`` (or ``--person``) sends the
neutral test message through the whole pipeline: queued, committed, delivered by a worker."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from services.actors import Actor
from services.db import db
from services.notify.addresses import InvalidEmail, InvalidNumber
from services.notify.service import send_test_message
from services.people.identity import InvalidNationalId, parse_national_id
from services.people.service import NotFound, find_person

notify_cli = AppGroup("notify", help="Notifications by SMS and e-mail.")


@notify_cli.command("test")
@click.option("--to", help="A mobile number (+47...) or an e-mail address.")
@click.option("--person", help="A person's id or identity number: sent by her settings.")
def notify_test(to: str | None, person: str | None) -> None:
    """Queue the test message (event notify.test) now, whatever the hour."""
    if (to is None) == (person is None):
        raise click.UsageError("give --to or --person (one of them)")
    actor = Actor.operator("notify-test")
    try:
        messages = send_test_message(actor=actor, to=to,
                                     person_id=_person_id(person) if person else None)
    except (InvalidNumber, InvalidEmail) as exc:
        raise click.BadParameter(str(exc), param_hint="--to") from None
    except NotFound:
        raise click.BadParameter("no such person", param_hint="--person") from None
    db.session.commit()  # the workers get the ids now
    if not messages:
        click.echo("nothing queued: her settings or the register leave no way to reach her")
        raise SystemExit(1)
    for message in messages:
        click.echo(f"queued outbox message {message.id} on {message.channel}")


def _person_id(value: str) -> int:
    value = value.strip()
    if value.isdigit() and len(value) == 11:
        try:
            national_id = parse_national_id(
                value, allow_synthetic=current_app.config["DEV_FEATURES"])
        except InvalidNationalId as exc:
            raise click.BadParameter(str(exc), param_hint="--person") from None
        found = find_person(national_id=national_id)
        if found is None:
            raise click.BadParameter("no such person", param_hint="--person")
        return found.id
    if not value.isdigit():
        raise click.BadParameter("a person's id or 11-digit identity number",
                                 param_hint="--person")
    return int(value)
