"""Links name the configured public address; each client has a rate limit of its own."""

from __future__ import annotations

from datetime import date

import pytest

from services.people.identity import FNR_SYSTEM
from tests.plugins.factories import make_person, national_id_for, system_bearer

EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


def _patient(number: str) -> dict:
    return {"resourceType": "Patient", "identifier": [{"system": FNR_SYSTEM, "value": number}],
            "name": [{"use": "official", "family": "Lenke", "given": ["Kari"]}]}


def test_links_come_from_public_base_url_never_from_the_host_header(client, db):
    headers = {**system_bearer("system/Patient.crs"), **EVIL}
    base = "http://minhelse.test/fhir/R4"
    created = client.post("/fhir/R4/Patient", json=_patient(national_id_for(date(1990, 1, 1), 1)),
                          headers=headers)
    assert created.headers["Location"].startswith(f"{base}/Patient/")
    make_person(date(1990, 1, 1))
    page = client.get("/fhir/R4/Patient?birthdate=1990-01-01&_count=1", headers=headers).json
    urls = [link["url"] for link in page["link"]] + [e["fullUrl"] for e in page["entry"]]
    assert {link["relation"] for link in page["link"]} == {"self", "next"}
    assert all(url.startswith(base) for url in urls), urls
    bundle = client.post("/fhir/R4", headers=headers, json={
        "resourceType": "Bundle", "type": "batch", "entry": [
            {"resource": _patient(national_id_for(date(1990, 1, 1), 2)),
             "request": {"method": "POST", "url": "Patient"}}]}).json
    assert bundle["entry"][0]["fullUrl"].startswith(base)
    metadata = client.get("/fhir/R4/metadata", headers=EVIL).json
    assert metadata["implementation"]["url"] == base


@pytest.fixture
def limited(make_app, db):
    return make_app(RATELIMIT_ENABLED=True, FHIR_RATE_LIMIT="3/minute")


def test_each_client_has_its_own_rate_limit(limited, db):
    with limited.app_context():
        busy, quiet = system_bearer("system/Patient.rs", name="busy"), \
            system_bearer("system/Patient.rs", name="quiet")
    client = limited.test_client()
    statuses = [client.get("/fhir/R4/Patient?_id=1", headers=busy).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/fhir/R4/Patient?_id=1", headers=busy)
    assert refused.json["resourceType"] == "OperationOutcome"
    assert refused.json["issue"][0]["code"] == "throttled"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert client.post("/fhir/R4", headers=busy, json={
        "resourceType": "Bundle", "type": "batch"}).status_code == 429
    assert client.get("/fhir/R4/Patient?_id=1", headers=quiet).status_code == 200


def test_the_rate_limit_is_configured_in_limits_notation(monkeypatch):
    from citizen.config import ConfigError, load_settings

    monkeypatch.setenv("FHIR_RATE_LIMIT", "lots")
    with pytest.raises(ConfigError, match="FHIR_RATE_LIMIT"):
        load_settings()
