"""``/api/v1/staff/ssi``: the staff pages' JSON API, for staff tools (staff session cookie;
another hospital's case is 404). Each area adds its own routes."""

from flask import Blueprint

from citizen.wound_staff import api_cases, api_classification, api_exports, api_statistics


def add_routes(api: Blueprint) -> None:
    for area in (api_cases, api_classification, api_statistics, api_exports):
        area.add_routes(api)
