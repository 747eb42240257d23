"""Bad input gets a clear 4xx in the caller's language of errors; a 500 reveals nothing."""

import json
import logging

import pytest
from marshmallow import Schema, fields
from werkzeug.exceptions import NotFound

from citizen.extensions import csrf
from citizen.payloads import load_json


class Greeting(Schema):
    name = fields.String(required=True)


@pytest.fixture
def probe_client(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)

    @app.post("/api/v1/probe")
    @csrf.exempt  # stands for a bearer-token API; cookie-session forms keep CSRF checks
    def probe():
        return {"hello": load_json(Greeting())["name"]}

    @app.get("/api/v1/explode")
    def explode():
        raise RuntimeError("secret internals: SELECT * FROM patients")

    @app.get("/explode")
    def explode_page():
        raise RuntimeError("secret internals")

    @app.get("/fhir/R4/Patient/<pid>")
    def fhir_read(pid):
        raise NotFound(f"Patient/{pid} is not known")

    return app.test_client()


def test_valid_json_is_accepted(probe_client):
    response = probe_client.post("/api/v1/probe", json={"name": "Kari"})
    assert response.status_code == 200
    assert response.json == {"hello": "Kari"}


def test_malformed_json_is_400_problem(probe_client):
    response = probe_client.post(
        "/api/v1/probe", data='{"name": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 400
    assert "well-formed" in response.json["detail"]
    assert response.json["request_id"] == response.headers["X-Request-ID"]


def test_wrong_content_type_is_415(probe_client):
    response = probe_client.post("/api/v1/probe", data="name=Kari",
                                 content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"


def test_invalid_fields_are_422_naming_the_field(probe_client):
    response = probe_client.post("/api/v1/probe", json={"nom": "Kari"})
    assert response.status_code == 422
    assert response.json["errors"]["name"] == ["Missing data for required field."]


def test_oversized_body_is_413(probe_client):
    response = probe_client.post("/api/v1/probe", data=json.dumps({"name": "x" * 5000}),
                                 content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_unexpected_error_is_500_without_internals_and_logged_with_request_id(
    probe_client, caplog
):
    with caplog.at_level(logging.ERROR):
        response = probe_client.get("/api/v1/explode", headers={"X-Request-ID": "req-12345678"})
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "secret" not in response.get_data(as_text=True)
    assert response.json["request_id"] == "req-12345678"
    [record] = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert record.request_id == "req-12345678"


def test_page_errors_are_friendly_norwegian_html(probe_client):
    missing = probe_client.get("/no/such/page")
    assert missing.status_code == 404
    assert missing.mimetype == "text/html"
    page = missing.get_data(as_text=True)
    assert '<html lang="nb">' in page
    assert "Vi fant ikke siden" in page

    broken = probe_client.get("/explode")
    assert broken.status_code == 500
    assert "Noe gikk galt hos oss" in broken.get_data(as_text=True)
    assert "secret" not in broken.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "headers", "lang", "text"),
    [
        ("?lang=nn", {}, "nn", "Vi fann ikkje sida"),
        ("?lang=en", {}, "en", "We could not find the page"),
        ("", {"Accept-Language": "en-GB,en;q=0.8"}, "en", "We could not find the page"),
        ("", {"Accept-Language": "no"}, "nb", "Vi fant ikke siden"),
        ("?lang=xx", {}, "nb", "Vi fant ikke siden"),
    ],
)
def test_error_pages_follow_the_chosen_language(probe_client, query, headers, lang, text):
    response = probe_client.get(f"/missing{query}", headers=headers)
    assert f'<html lang="{lang}">' in response.get_data(as_text=True)
    assert text in response.get_data(as_text=True)


def test_language_choice_is_remembered(probe_client):
    probe_client.get("/missing?lang=nn")
    assert "Vi fann ikkje sida" in probe_client.get("/missing").get_data(as_text=True)


def test_fhir_errors_are_operation_outcomes(probe_client):
    response = probe_client.get("/fhir/R4/Patient/123")
    assert response.status_code == 404
    assert response.mimetype == "application/fhir+json"
    assert response.json["resourceType"] == "OperationOutcome"
    assert response.json["issue"][0]["code"] == "not-found"

    unknown = probe_client.get("/fhir/R4/Nonsense")
    assert unknown.json["resourceType"] == "OperationOutcome"


def test_wrong_method_is_405_with_allow_header(probe_client):
    response = probe_client.get("/api/v1/probe")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.mimetype == "application/problem+json"
