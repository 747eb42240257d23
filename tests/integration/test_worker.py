"""A real Celery worker process, fed through Redis, runs our tasks in an app context."""

from __future__ import annotations

import pytest

from tests.integration.processes import running, service_env, worker_command

pytestmark = pytest.mark.integration


def test_worker_runs_tasks_from_redis(make_app, redis_broker, tmp_path):
    env = service_env(CELERY_BROKER_URL=redis_broker, CELERY_RESULT_BACKEND=redis_broker,
                      INSTANCE_DIR=str(tmp_path))
    worker = worker_command(concurrency=1)
    app = make_app(CELERY={**make_app().config["CELERY"], "broker_url": redis_broker,
                           "result_backend": redis_broker, "broker_transport_options": {}})
    celery_app = app.extensions["celery"]
    log = tmp_path / "worker.log"
    with running(worker, env=env, log=log):
        result = celery_app.send_task("system.ping")
        try:
            assert result.get(timeout=60) == {"pong": "ok"}
        except Exception:
            print(log.read_text(errors="replace")[-3000:])
            raise
        finally:
            celery_app.close()
            result.backend.client.close()
    assert "system.ping" in log.read_text()


def test_celery_is_configured_for_safe_delivery(app):
    conf = app.extensions["celery"].conf
    assert conf.task_always_eager is False
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert {q.name for q in conf.task_queues} == {"default", "notifications"}
    assert app.extensions["celery"].amqp.router.route({}, "notify.sms.send")["queue"].name == (
        "notifications"
    )
    assert conf.beat_schedule["run-due-work"]["task"] == "jobs.run_due"
