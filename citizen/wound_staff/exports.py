"""The NOIS-POSI export pages: choose a tertial, see what it holds, download CSV or FHIR."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, render_template, request

from citizen.babel_cache import gettext as _
from citizen.wound_staff.access import infection_control
from services.clock import today_in_norway
from services.wound import reporting
from services.wound.periods import (
    BadPeriod,
    Period,
    parse_tertial,
    tertial_containing,
    tertial_name,
)


class BadRequest(ValueError):
    """A tertial or format that cannot be read; the message says which."""


def period_of(raw: str | None) -> Period:
    try:
        return parse_tertial((raw or "").strip())
    except (BadPeriod, ValueError):
        raise BadRequest(_("Give the tertial as year-number, for example 2026-3.")) from None


def format_of(raw: str | None) -> str:
    if raw not in reporting.FORMATS:
        raise BadRequest(_("The format is csv or fhir."))
    return raw


def recent_tertials() -> list[str]:
    """The last three tertials: the current one and the two before."""
    period = tertial_containing(today_in_norway())
    found = []
    for _i in range(3):
        found.append(tertial_name(period))
        period = period.previous()
    return found


def download_response(period: Period, format: str) -> Response:
    result = reporting.export(actor=g.actor, period=period, format=format,
                              secret=current_app.config["SECRET_KEY"])
    return Response(result.body, content_type=result.content_type, headers={
        "Content-Disposition": f'attachment; filename="{result.filename}"',
        "X-Not-Classified": str(result.not_classified),
        "X-Operations": str(result.operations)})


@infection_control
def exports_page():
    offered = recent_tertials()
    raw = request.args.get("tertial") or offered[1]
    error, counts, period = None, None, None
    try:
        period = period_of(raw)
        counts = reporting.counts(actor=g.actor, period=period)
    except BadRequest as exc:
        error = str(exc)
    return render_template("wound_staff/exports.html", offered=offered, chosen=raw,
                           error=error, counts=counts, period=period), 400 if error else 200


@infection_control
def download():
    try:
        period = period_of(request.args.get("tertial"))
        format = format_of(request.args.get("format"))
    except BadRequest as exc:
        return Response(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return download_response(period, format)


def add_routes(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/exports", "exports", exports_page)
    blueprint.add_url_rule("/exports/download", "exports_download", download)
