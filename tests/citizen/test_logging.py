"""National identity numbers never reach a log line; every line is JSON with a request id."""

import io
import json
import logging

import pytest

from citizen.observability.logs import build_handler

FNR = "15076500565"


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = build_handler(stream)
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    "emit",
    [
        lambda log: log.info(f"looked up {FNR}"),
        lambda log: log.info("looked up %s", FNR),
        lambda log: log.info("looked up %s", "150765 00565"),
        lambda log: log.info("lookup", extra={"person": FNR}),
        lambda log: log.info("lookup", extra={"person": int(FNR)}),
        lambda log: log.warning("in url /api?fnr=%s&x=1", FNR),
    ],
)
def test_identity_numbers_are_masked(log_lines, emit):
    logger, lines = log_lines
    emit(logger)
    raw = json.dumps(lines())
    assert FNR not in raw
    assert "00565" not in raw
    assert "***********" in raw


def test_tracebacks_are_masked(log_lines):
    logger, lines = log_lines
    try:
        raise ValueError(f"no person with {FNR}")
    except ValueError:
        logger.exception("failed")
    [line] = lines()
    assert FNR not in json.dumps(line)
    assert "ValueError" in line["exc_info"]


def test_other_numbers_survive(log_lines):
    logger, lines = log_lines
    logger.info("order %s took %s ms", "1234567890", "123456789012")
    assert lines()[0]["message"] == "order 1234567890 took 123456789012 ms"


def test_request_lines_carry_the_request_id(make_app):
    app = make_app()
    stream = io.StringIO()
    handler = build_handler(stream)
    logging.getLogger().addHandler(handler)
    try:

        @app.get("/api/v1/logged")
        def logged():
            logging.getLogger("tests.req").warning("handled for %s", FNR)
            return {}

        response = app.test_client().get("/api/v1/logged", headers={"X-Request-ID": "abc-1234567"})
    finally:
        logging.getLogger().removeHandler(handler)
    assert response.headers["X-Request-ID"] == "abc-1234567"
    [line] = [json.loads(s) for s in stream.getvalue().splitlines() if "handled for" in s]
    assert line["request_id"] == "abc-1234567"
    assert line["level"] == "WARNING"
    assert FNR not in line["message"]


def test_untrusted_request_ids_are_replaced(make_app):
    app = make_app()
    response = app.test_client().get("/healthz", headers={"X-Request-ID": "<script>"})
    assert response.headers["X-Request-ID"] != "<script>"
    assert len(response.headers["X-Request-ID"]) == 32
