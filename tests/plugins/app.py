"""The application under test, built once per session on a private instance folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Set before anything builds an app: tests never touch the developer's instance/ folder.
_INSTANCE = Path(tempfile.mkdtemp(prefix="minhelse-test-"))
os.environ["APP_ENV"] = "test"
os.environ["INSTANCE_DIR"] = str(_INSTANCE)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_INSTANCE / 'test.sqlite'}")

TEST_CONFIG = {"TESTING": True, "SERVER_NAME": "minhelse.test",
               "PUBLIC_BASE_URL": "http://minhelse.test"}


@pytest.fixture(scope="session")
def instance_dir() -> Path:
    return _INSTANCE


def _dispose(app) -> None:
    from services.db import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(scope="session")
def app():
    from citizen.app import create_app

    app = create_app(TEST_CONFIG)
    yield app
    _dispose(app)


@pytest.fixture
def make_app():
    """Build a separate app, e.g. with extra probe routes or a different config."""
    from citizen.app import create_app

    made = []

    def make(**config):
        made.append(create_app({**TEST_CONFIG, **config}))
        return made[-1]

    yield make
    for app in made:
        _dispose(app)


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def cli(app, db):
    return app.test_cli_runner()
