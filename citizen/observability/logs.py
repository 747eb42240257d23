"""Structured JSON logs with a request id, and a filter no national id number gets past."""

from __future__ import annotations

import logging
import os
import re
import sys

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

#: Eleven digits standing alone: the shape of a fødselsnummer or D-number. Over-matching
#: (an eleven-digit order number) costs a masked log value; under-matching leaks identity.
NATIONAL_ID_PATTERN = re.compile(r"(?<!\d)\d{6}[ .-]?\d{5}(?!\d)")
MASK = "***********"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def redact(text: str) -> str:
    return NATIONAL_ID_PATTERN.sub(MASK, text)


class RedactNationalIds(logging.Filter):
    """Mask national identity numbers in the message, its arguments, extras and tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            # Formatters re-render exc_info from the live exception; keep only the masked text.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str | int):
                redacted = redact(str(value))
                if redacted != str(value):
                    setattr(record, key, redacted)
        return True


class RequestContext(logging.Filter):
    """Attach the current request id (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def build_handler(stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
        )
    )
    handler.addFilter(RequestContext())
    handler.addFilter(RedactNationalIds())
    return handler


def register_logging(app: Flask) -> None:
    """Send every log record of the process through one JSON handler, redacted."""
    root = logging.getLogger()
    if not any(getattr(h, "_minhelse", False) for h in root.handlers):
        handler = build_handler()
        handler._minhelse = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    # Flask's own handler would print a second, unstructured copy.
    app.logger.handlers.clear()
    app.logger.propagate = True

    @app.before_request
    def assign_request_id() -> None:
        # The header as the WSGI environ holds it: ``request.headers.get`` spells the name
        # anew for a case-insensitive lookup, and cost /healthz more than the rest of this.
        incoming = request.environ.get("HTTP_X_REQUEST_ID", "")
        g.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else os.urandom(16).hex()

    @app.after_request
    def echo_request_id(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response
