"""Operator commands for people and the audit trail: ``staff add``, ``audit verify``,
``audit checkpoint``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from services import audit
from services.clock import utcnow
from services.db import db
from services.people.identity import InvalidNationalId, parse_national_id
from services.people.models import Role
from services.people.service import PeopleError, add_organisation, add_staff

staff_cli = AppGroup("staff", help="Staff members and their roles.")
audit_cli = AppGroup("audit", help="The hash-chained audit trail.")


@staff_cli.command("add")
@click.option("--national-id", prompt=True, hide_input=True,
              help="Fødselsnummer or D-number (asked for, not echoed, if not given).")
@click.option("--name", required=True)
@click.option("--hpr", "hpr_number", help="HPR number (health personnel register).")
@click.option("--org-number", required=True, help="Organisation number (9 digits).")
@click.option("--org-name", help="Name, if the organisation is new.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]))
def staff_add(national_id, name, hpr_number, org_number, org_name, roles) -> None:
    """Create or update a staff member and give them roles at an organisation."""
    try:
        nid = parse_national_id(national_id,
                                allow_synthetic=current_app.config["DEV_FEATURES"])
        organisation = add_organisation(name=org_name or org_number, org_number=org_number)
        staff = add_staff(national_id=nid, name=name, hpr_number=hpr_number,
                          organisation=organisation, roles=[Role(r) for r in roles])
    except (InvalidNationalId, PeopleError) as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"staff {staff.id} {staff.name}: {', '.join(sorted(roles))} at "
               f"{organisation.name} ({organisation.org_number})")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 and name each broken row if anything was altered."""
    report = audit.verify_chain()
    for chain_break in report.breaks:
        click.echo(f"event {chain_break.event_id}: {chain_break.problem}")
    if not report.ok:
        click.echo(f"audit trail BROKEN: {len(report.breaks)} problem(s) in {report.checked} rows")
        raise SystemExit(1)
    click.echo(f"audit trail intact: {report.checked} rows, {report.checkpoints} checkpoints, "
               f"head {report.head}")


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Checkpoint every chain that grew, now; print each chain's head for a witness to keep."""
    taken = audit.take_checkpoints(now=utcnow())
    db.session.commit()
    for checkpoint in taken:
        click.echo(f"chain {checkpoint.chain}: {checkpoint.row_count} rows, last event "
                   f"{checkpoint.last_event_id}, head {checkpoint.head_hash}")
    click.echo(f"{len(taken)} checkpoint(s) taken")
