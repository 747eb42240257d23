"""The NOIS-POSI export as an API call (CSV or a FHIR Bundle)."""

from __future__ import annotations

from flask import Blueprint, request

from citizen.api.operations import File, operation
from citizen.errors import ApiError
from citizen.wound_staff.exports import (
    BadRequest,
    download_response,
    format_of,
    infection_control,
    period_of,
)


@operation(summary="The NOIS-POSI export of a tertial: CSV or a FHIR Bundle",
           description="Query tertial=2026-3 and format=csv|fhir. Every operation of the "
                       "hospital in the tertial, de-identified (docs/wound-reporting.md); "
                       "X-Not-Classified says how many have no outcome yet.",
           responses={200: File("text/csv", also=("application/fhir+json",))},
           response_headers={"X-Not-Classified": "operations not classified yet",
                             "X-Operations": "operations in the export"},
           problems={400: "a tertial or format that cannot be read"},
           tags=("Infection control",))
@infection_control
def export_api():
    try:
        period = period_of(request.args.get("tertial"))
        format = format_of(request.args.get("format"))
    except BadRequest as exc:
        raise ApiError(400, str(exc)) from None
    return download_response(period, format)


def add_routes(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/staff/ssi/exports", "wound_staff_exports", export_api)
