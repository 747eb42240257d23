"""Operator commands for system clients: ``flask --app wsgi clients create NAME ...``."""

from __future__ import annotations

import json
from typing import IO

import click
from flask import current_app
from flask.cli import AppGroup

from services import clients
from services.db import db

clients_cli = AppGroup("clients", help="OAuth2 clients of systems that call our APIs.")


@clients_cli.command("create")
@click.argument("name")
@click.option("--scopes", required=True,
              help='SMART system scopes it may be granted, e.g. "system/Patient.rs system/*.s".')
@click.option("--jwks", "jwks_file", type=click.File("r"),
              help="The client's public keys (a JWK Set, or one JWK) for private_key_jwt. "
                   "Without it the client gets a secret (client_secret_basic, development only).")
def create(name: str, scopes: str, jwks_file: IO[str] | None) -> None:
    """Register a client and print it as JSON; a secret is printed this once only."""
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
        client, secret = clients.create_client(name=name, scopes=scopes,
                                               auth_method=auth_method, jwks=jwks)
    except clients.InvalidClientRegistration as exc:
        raise click.ClickException(exc.description) from None
    db.session.commit()
    shown = {"client_id": client.client_id, "name": client.name, "scopes": client.scopes,
             "auth_method": client.auth_method}
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
