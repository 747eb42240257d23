"""RECORDS_MAX_DOCUMENT_BYTES: read from the environment, bounded at start."""

from __future__ import annotations

import pytest

from citizen.config import ConfigError, flask_config, load_settings


def test_the_document_size_limit_is_read_from_the_environment():
    settings = load_settings({"RECORDS_MAX_DOCUMENT_BYTES": "1000"})
    assert flask_config(settings)["RECORDS_MAX_DOCUMENT_BYTES"] == 1000
    assert flask_config(load_settings({}))["RECORDS_MAX_DOCUMENT_BYTES"] == 3 * 1024 * 1024


@pytest.mark.parametrize("value", ["0", "-1", str(64 * 1024 * 1024 + 1), "lots"])
def test_a_limit_out_of_bounds_is_refused_at_start(value):
    with pytest.raises(ConfigError, match="RECORDS_MAX_DOCUMENT_BYTES"):
        load_settings({"RECORDS_MAX_DOCUMENT_BYTES": value})
