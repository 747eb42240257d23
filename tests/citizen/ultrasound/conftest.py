import pytest


@pytest.fixture(autouse=True)
def _ultrasound_rules_restored():
    from services.ultrasound import config

    saved = config._rules
    yield
    config._rules = saved
