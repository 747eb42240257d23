"""Prometheus metrics: request counts and latencies per endpoint, queue depth at scrape time.

Under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` so that the scrape
aggregates every worker process instead of whichever one answered.
"""

from __future__ import annotations

import functools
import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter(
    "minhelse_http_requests_total",
    "HTTP requests answered, by endpoint and status.",
    ["method", "endpoint", "status"],
)
LATENCY = Histogram(
    "minhelse_http_request_duration_seconds",
    "Time from request start to response, by endpoint.",
    ["method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


# A metric's children live as long as the metric does; looking one up through ``labels``
# checks and locks each time, which was a third of what this hook cost. One lookup finds
# both of a request's children.
@functools.cache
def _children(method: str, endpoint: str, status: int):
    return REQUESTS.labels(method, endpoint, str(status)), LATENCY.labels(method, endpoint)


def register_request_metrics(app: Flask) -> None:
    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def observe(response: Response) -> Response:
        started = g.pop("request_started", None)
        current = request._get_current_object()  # one lookup through the proxy, not two
        # The endpoint name, not the path, so ids never become label values.
        count, latency = _children(current.method, current.endpoint or "unmatched",
                                   response.status_code)
        count.inc()
        if started is not None:
            latency.observe(time.perf_counter() - started)
        return response


def render_metrics(
    queue_depths: dict[str, int | None], job_successes: dict[str, float]
) -> Response:
    """Render process (or multi-process) metrics plus the state read at scrape time."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(_ScrapeTimeState(queue_depths, job_successes))
    body = generate_latest(registry) + generate_latest(scraped)
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


class _ScrapeTimeState:
    def __init__(self, depths: dict[str, int | None], job_successes: dict[str, float]) -> None:
        self.depths = depths
        self.job_successes = job_successes

    def collect(self):
        depth = GaugeMetricFamily(
            "minhelse_queue_depth", "Messages waiting in each Celery queue.", labels=["queue"]
        )
        up = GaugeMetricFamily("minhelse_broker_up", "1 if the broker answered the scrape.")
        for queue, count in self.depths.items():
            if count is not None:
                depth.add_metric([queue], count)
        up.add_metric([], 1 if all(c is not None for c in self.depths.values()) else 0)
        last_ok = GaugeMetricFamily(
            "minhelse_due_job_last_success_timestamp_seconds",
            "When each due job last finished without error; stale means beat or workers stopped.",
            labels=["job"],
        )
        for job, finished in sorted(self.job_successes.items()):
            last_ok.add_metric([job], finished)
        yield depth
        yield up
        yield last_ok
