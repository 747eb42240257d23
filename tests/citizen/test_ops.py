"""Liveness, readiness and metrics as an operator or a load balancer sees them."""

import pytest

from tests.plugins.clock import T0


def test_healthz_answers_while_the_process_lives(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_is_ok_when_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {"status": "ok"}


def test_readyz_is_503_naming_an_unreachable_broker(make_app):
    app = make_app(CELERY={**make_app().config["CELERY"], "broker_url": "redis://127.0.0.1:9/0",
                           "broker_transport_options": {}})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert any(p.startswith("broker unreachable") for p in response.json["problems"])


def test_readyz_is_503_naming_an_unreachable_database(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:9/none")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert any(p.startswith("database unreachable") for p in response.json["problems"])
    assert "nobody" not in response.get_data(as_text=True)


def test_metrics_count_requests_by_endpoint_and_report_queue_depth(client):
    client.get("/healthz")
    client.get("/no-such-page")
    body = client.get("/metrics").get_data(as_text=True)
    assert 'minhelse_http_requests_total{endpoint="ops.healthz",method="GET",status="200"}' in body
    assert 'minhelse_http_requests_total{endpoint="unmatched",method="GET",status="404"}' in body
    assert 'minhelse_http_request_duration_seconds_bucket{endpoint="ops.healthz"' in body
    assert 'minhelse_queue_depth{queue="default"}' in body
    assert 'minhelse_queue_depth{queue="notifications"}' in body
    assert "minhelse_broker_up 1.0" in body


def test_metrics_show_when_due_jobs_last_succeeded(client, cli, frozen_clock):
    assert cli.invoke(args=["jobs", "run-due", "--only", "system.heartbeat"]).exit_code == 0
    body = client.get("/metrics").get_data(as_text=True)
    series = 'minhelse_due_job_last_success_timestamp_seconds{job="system.heartbeat"}'
    [value] = [line.rsplit(" ", 1)[1] for line in body.splitlines() if line.startswith(series)]
    assert float(value) == T0.timestamp()


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_operability_endpoints_refuse_writes(client, path):
    assert client.post(path).status_code == 405
