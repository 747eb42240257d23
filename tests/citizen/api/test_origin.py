"""CSRF for the JSON API without tokens: a state-changing call comes from our origin with a
JSON body, or it is refused; reads are never refused for it; pages keep their tokens."""

from __future__ import annotations

import pytest

from tests.plugins.api import log_in_as
from tests.plugins.factories import make_person


@pytest.fixture
def probe_app(make_app):
    """The real API blueprint's hooks over a probe route (its endpoint is in ``api.``)."""
    app = make_app(PUBLIC_BASE_URL="https://minhelse.example")

    def change():
        return {"changed": True}

    app.add_url_rule("/api/v1/probe", endpoint="api.probe", view_func=change,
                     methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    return app


@pytest.fixture
def probe(probe_app, db):
    return probe_app.test_client()


JSON = {"json": {"a": 1}}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_json_call_from_our_origin_or_no_browser_passes(probe, method):
    assert probe.open("/api/v1/probe", method=method, **JSON).status_code == 200
    assert probe.open("/api/v1/probe", method=method, headers={
        "Origin": "https://minhelse.example", "Sec-Fetch-Site": "same-origin"},
        **JSON).status_code == 200
    # A typed address or a bookmark: the browser says "none".
    assert probe.open("/api/v1/probe", method=method, headers={"Sec-Fetch-Site": "none"},
                      **JSON).status_code == 200


@pytest.mark.parametrize("site", ["cross-site", "same-site", "Cross-Site"])
def test_a_browser_saying_the_call_comes_from_another_site_is_refused(probe, site):
    response = probe.post("/api/v1/probe", headers={"Sec-Fetch-Site": site}, **JSON)

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"] == "cross-origin requests may not change anything"


@pytest.mark.parametrize("origin", [
    "https://evil.example", "http://minhelse.example", "https://minhelse.example:8443",
    "https://sub.minhelse.example", "null",
])
def test_an_origin_other_than_ours_is_refused(probe, origin):
    response = probe.put("/api/v1/probe", headers={"Origin": origin}, **JSON)

    assert response.status_code == 403
    assert response.json["status"] == 403


def test_our_origin_is_compared_without_regard_to_case(probe):
    assert probe.post("/api/v1/probe", headers={"Origin": "HTTPS://MINHELSE.EXAMPLE"},
                      **JSON).status_code == 200


def test_the_public_origin_leaves_out_a_default_port_and_any_path(make_app):
    from citizen.api.origin import public_origin

    for base, origin in (("https://minhelse.example:443/min-helse", "https://minhelse.example"),
                         ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
                         ("http://localhost:80", "http://localhost")):
        with make_app(PUBLIC_BASE_URL=base).test_request_context():
            assert public_origin() == origin


@pytest.mark.parametrize(("body", "content_type"), [
    ("a=1", "application/x-www-form-urlencoded"),
    ("a=1", "multipart/form-data; boundary=x"),
    ('{"a": 1}', "text/plain"),
    ("", None),
])
def test_a_state_changing_call_without_a_json_body_is_415(probe, body, content_type):
    response = probe.post("/api/v1/probe", data=body, content_type=content_type)

    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"


def test_reads_are_never_refused_by_the_origin_rule(probe):
    response = probe.get("/api/v1/probe", headers={"Origin": "https://evil.example",
                                                    "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
    assert probe.head("/api/v1/probe", headers={"Sec-Fetch-Site": "cross-site"}
                      ).status_code == 200
    assert probe.options("/api/v1/probe", headers={"Sec-Fetch-Site": "cross-site"}
                         ).status_code == 200


def test_the_api_needs_no_csrf_token_while_forms_on_pages_still_do(make_app, db):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    log_in_as(client, make_person())

    # A page's form without its token: the expired-form page.
    assert client.post("/acting-for", data={"person_id": "1"}).status_code == 400
    # The API: no token, no refusal for lack of one (the probe-free real endpoint is a GET,
    # so the 405 shows the request got past the CSRF check to the router).
    assert client.post("/api/v1/me", json={}).status_code == 405


def test_a_cross_origin_call_is_refused_before_it_is_authenticated(probe_app, db):
    client = probe_app.test_client()
    log_in_as(client, make_person())

    assert client.post("/api/v1/probe", headers={"Origin": "https://evil.example"},
                       **JSON).status_code == 403


@pytest.fixture
def upload(probe_app, db):
    """A probe whose body is a file, declared as ``File`` (the wound photo's way), and one
    that declares a form type besides: the rule never takes that."""
    from flask import request

    from citizen.api.operations import File, operation

    @operation(summary="probe", responses={200: None}, body=File("image/png"))
    def take():
        return {"size": len(request.get_data())}

    @operation(summary="probe", responses={200: None},
               body=File("image/png", also=("multipart/form-data", "text/plain")))
    def take_forms_too():
        return {"size": 0}

    probe_app.add_url_rule("/api/v1/upload", endpoint="api.upload", view_func=take,
                           methods=["POST"])
    probe_app.add_url_rule("/api/v1/upload-forms", endpoint="api.upload_forms",
                           view_func=take_forms_too, methods=["POST"])
    return probe_app.test_client()


def test_a_file_body_takes_the_files_declared_type_and_not_json(upload):
    assert upload.post("/api/v1/upload", data=b"\x89PNG", content_type="image/png"
                       ).status_code == 200
    assert upload.post("/api/v1/upload", json={"a": 1}).status_code == 415
    refused = upload.post("/api/v1/upload", data=b"\x89PNG", content_type="image/png",
                          headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=x", "text/plain",
                                          "application/x-www-form-urlencoded"])
def test_what_any_sites_form_can_send_is_never_taken_even_if_declared(upload, content_type):
    assert upload.post("/api/v1/upload-forms", data=b"a=1", content_type=content_type
                       ).status_code == 415
    assert upload.post("/api/v1/upload-forms", data=b"\x89PNG", content_type="image/png"
                       ).status_code == 200
