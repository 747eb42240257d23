"""Operator commands: ``flask --app wsgi demo seed``, ``flask --app wsgi jobs run-due``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from citizen.notify_cli import notify_cli
from citizen.oauth.cli import clients_cli
from citizen.people_cli import audit_cli, staff_cli
from services import jobs
from services.db import db
from services.demo import seed_demo_data

demo_cli = AppGroup("demo", help="Demo data for the embedded default.")
jobs_cli = AppGroup("jobs", help="Periodic work that beat normally triggers.")


@demo_cli.command("seed")
def demo_seed() -> None:
    """Create the demo data (idempotent)."""
    if not current_app.config["DEV_FEATURES"]:
        raise click.ClickException("demo data is a development feature and is off here")
    created = seed_demo_data()
    db.session.commit()
    for name, count in created.items():
        click.echo(f"{name}: {count} created")
    click.echo("demo data ready")


@jobs_cli.command("run-due")
@click.option("--only", help="Run just this job, if it is due.")
def jobs_run_due(only: str | None) -> None:
    """Run all due scheduled work now: the same code beat triggers."""
    try:
        outcomes = jobs.run_due(only=only)
    except KeyError:
        raise click.BadParameter(f"no job named {only!r}", param_hint="--only") from None
    db.session.commit()
    for outcome in outcomes:
        status = f"ok ({outcome.handled})" if outcome.ok else f"FAILED ({outcome.error})"
        click.echo(f"{outcome.name}: {status}")
    if not outcomes:
        click.echo("nothing due")
    if any(not o.ok for o in outcomes):
        raise SystemExit(1)


@jobs_cli.command("list")
def jobs_list() -> None:
    """List registered jobs and their interval."""
    for job in jobs.registered_jobs().values():
        click.echo(f"{job.name}\tevery {job.every}")


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(clients_cli)
    app.cli.add_command(notify_cli)
