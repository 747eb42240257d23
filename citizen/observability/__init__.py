"""Logs, request ids and metrics: what operators see of the running service."""

from citizen.observability.logs import register_logging
from citizen.observability.metrics import register_request_metrics

__all__ = ["register_logging", "register_request_metrics"]
