"""Operator commands for system clients: ``flask --app wsgi clients create NAME ...``."""

from __future__ import annotations

import json
from typing import IO

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from services import clients
from services.db import db
from services.people.models import Organisation

clients_cli = AppGroup("clients", help="OAuth2 clients of systems that call our APIs.")


@clients_cli.command("create")
@click.argument("name")
@click.option("--scopes", required=True,
              help='SMART system scopes it may be granted, e.g. "system/Patient.rs system/*.s".')
@click.option("--jwks", "jwks_file", type=click.File("r"),
              help="The client's public keys (a JWK Set, or one JWK) for private_key_jwt. "
                   "Without it the client gets a secret (client_secret_basic, development only).")
@click.option("--organisation", "org_number", metavar="ORGNR",
              help="The organisation number of the organisation whose own system this is (a "
                   "hospital's record system: it sees all of that hospital's record "
                   "documents). Leave out for a system acting for citizens (helsenorge).")
def create(name: str, scopes: str, jwks_file: IO[str] | None, org_number: str | None) -> None:
    """Register a client and print it as JSON; a secret is printed this once only."""
    organisation = _organisation(org_number, "--organisation") if org_number else None
    jwks = None
    if jwks_file is not None:
        try:
            jwks = json.load(jwks_file)
        except ValueError:
            raise click.BadParameter("the file is not JSON", param_hint="--jwks") from None
        if isinstance(jwks, dict) and "kty" in jwks:
            jwks = {"keys": [jwks]}
        auth_method = clients.PRIVATE_KEY_JWT
    elif not current_app.config["DEV_FEATURES"]:
        raise click.ClickException(
            "client_secret_basic is a development feature; give the client's keys with --jwks")
    else:
        auth_method = clients.CLIENT_SECRET_BASIC
    try:
        client, secret = clients.create_client(
            name=name, scopes=scopes, auth_method=auth_method, jwks=jwks,
            organisation_id=organisation.id if organisation else None)
    except clients.InvalidClientRegistration as exc:
        raise click.ClickException(exc.description) from None
    db.session.commit()
    shown = {"client_id": client.client_id, "name": client.name, "scopes": client.scopes,
             "auth_method": client.auth_method}
    if organisation is not None:
        shown["organisation"] = organisation.org_number
    if secret is not None:
        shown["client_secret"] = secret
    click.echo(json.dumps(shown, indent=2))


@clients_cli.command("deactivate")
@click.argument("client_id")
def deactivate(client_id: str) -> None:
    """Stop a client: no new tokens, and the tokens it holds stop working."""
    try:
        clients.deactivate_client(client_id=client_id)
    except LookupError:
        raise click.BadParameter(f"no client {client_id!r}", param_hint="CLIENT_ID") from None
    db.session.commit()
    click.echo(f"{client_id} deactivated")


@clients_cli.command("set-organisation")
@click.argument("client_id")
@click.argument("org_number", metavar="ORGNR|none")
def set_organisation(client_id: str, org_number: str) -> None:
    """Make the client its organisation's own system, or (``none``) nobody's."""
    organisation = None if org_number == "none" else _organisation(org_number, "ORGNR")
    try:
        clients.set_organisation(client_id=client_id,
                                 organisation_id=organisation.id if organisation else None)
    except LookupError:
        raise click.BadParameter(f"no client {client_id!r}", param_hint="CLIENT_ID") from None
    db.session.commit()
    click.echo(f"{client_id} belongs to "
               f"{organisation.org_number if organisation else 'no organisation'}")


def _organisation(org_number: str, hint: str) -> Organisation:
    number = org_number.replace(" ", "")
    organisation = (db.session.scalar(sa.select(Organisation).where(
        Organisation.org_number == number)) if number.isascii() and number.isdigit() else None)
    if organisation is None:
        raise click.BadParameter(f"no organisation with organisation number {org_number!r} "
                                 "is registered", param_hint=hint)
    return organisation
