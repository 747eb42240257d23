"""gunicorn settings for both `make run` and the container; the environment overrides."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# One process more than cores, two threads each: more threads per process only queue on
# the GIL (the FHIR search benchmark's p99 rose from 88 ms with 2 threads to 164 ms with 8).
workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
# A gthread worker accepts connections until it holds this many. Left at gunicorn's 1000,
# one worker takes every keep-alive connection from a busy client (or proxy) while the
# others idle; a small number spreads them over the workers. WEB_CONCURRENCY times this
# must still cover the keep-alive connections the proxy holds open, or some wait.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "16"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Access lines carry method and path without the query string: a FHIR search by identifier
# (?identifier=...) or a logout's id_token_hint would otherwise put identity numbers in logs.
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "1") == "1" else None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss rid=%({x-request-id}o)s'
# gunicorn's highest limits, above the app's own (citizen/site/limits.py), so an over-long
# address or header gets our page (414, 431) rather than gunicorn's bare 400.
limit_request_line = 8190
limit_request_field_size = 16380
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    """Drop a dead worker's Prometheus files so its gauges do not linger."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
