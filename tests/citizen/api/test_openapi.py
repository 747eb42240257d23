"""``/api/v1/openapi.json`` describes every API route, and the API answers only what it
describes (every API test's client checks each answer: tests/plugins/api.py)."""

from __future__ import annotations

import jsonschema
import pytest
from flask import Flask
from marshmallow import Schema, fields

from citizen.api.openapi import api_rules, build
from citizen.api.operations import operation
from tests.plugins.api import CheckedClient, OpenApiDocument, log_in_as
from tests.plugins.factories import make_person


def undocumented(app: Flask) -> set[tuple[str, str]]:
    """(method, path) of every /api/v1 route that the app's document leaves out."""
    document = build(app)
    found = OpenApiDocument(document)
    return {(method, rule.rule) for rule in api_rules(app)
            for method in rule.methods - {"HEAD", "OPTIONS"}
            if found.operation(method, rule.rule.replace("<", "{").replace(">", "}")) is None}


def test_every_api_route_is_in_the_document(app):
    assert api_rules(app), "no /api/v1 routes found: is the blueprint registered?"
    assert undocumented(app) == set()


def test_a_route_without_an_operation_would_fail_that_test(make_app):
    app = make_app()
    app.add_url_rule("/api/v1/forgotten", endpoint="api.forgotten", view_func=lambda: {})

    assert undocumented(app) == {("GET", "/api/v1/forgotten")}


def test_the_document_is_openapi_31_served_without_a_session(api_client):
    response = api_client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "http://minhelse.test"}]
    assert document["components"]["securitySchemes"]["session"]["in"] == "cookie"
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_every_operation_says_how_it_fails(app):
    document = build(app)
    for path, operations in document["paths"].items():
        for method, described in operations.items():
            if method == "parameters":  # the path's own (an id in it), not an operation
                continue
            responses = described["responses"]
            if described["security"]:
                assert "401" in responses, (method, path)
            if method != "get":
                assert {"403", "415"} <= set(responses), (method, path)
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    assert set(response["content"]) == {"application/problem+json"}


def test_me_answers_as_described_logged_in_or_not(api_client):
    assert api_client.get("/api/v1/me").status_code == 401  # checked: a described problem
    log_in_as(api_client, make_person(given_name="Kari"))

    assert api_client.get("/api/v1/me").json["given_name"] == "Kari"


class Greeting(Schema):
    name = fields.String(required=True)


@pytest.fixture
def probe_client(make_app, db):
    app = make_app()

    @operation(summary="probe", authenticated=False, responses={200: Greeting})
    def greet(extra: str):
        return {"name": "Kari", **({extra: 1} if extra != "none" else {})}

    @operation(summary="status", authenticated=False, responses={204: None})
    def silent():
        return "", 201

    app.add_url_rule("/api/v1/greet/<extra>", endpoint="api.greet", view_func=greet)
    app.add_url_rule("/api/v1/silent", endpoint="api.silent", view_func=silent)
    app.test_client_class = CheckedClient
    client = app.test_client()
    client.openapi = OpenApiDocument(build(app))
    return client


def test_the_check_passes_a_described_body(probe_client):
    assert probe_client.get("/api/v1/greet/none").json == {"name": "Kari"}


def test_the_check_fails_a_body_its_schema_does_not_describe(probe_client):
    with pytest.raises(jsonschema.ValidationError, match="Additional properties"):
        probe_client.get("/api/v1/greet/surprise")


def test_the_check_fails_a_status_the_operation_does_not_declare(probe_client):
    with pytest.raises(AssertionError, match="answered 201, which its operation does not"):
        probe_client.get("/api/v1/silent")


def test_the_check_fails_a_route_the_document_does_not_know(probe_client):
    with pytest.raises(AssertionError, match="not in the OpenAPI document"):
        probe_client.get("/api/v1/nowhere")
