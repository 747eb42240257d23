"""One live server (its own migrated SQLite file with the demo data), one Chromium, and one
real login per kind of user, shared by the whole browser suite."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask, url_for

from citizen.extensions import limiter
from services.db import db
from services.demo import seed_demo_data
from tests.browser import chromium
from tests.browser.users import USERS, User, log_in
from tests.plugins.live import serving

SCREENSHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


@dataclass
class LiveSite:
    base: str
    app: Flask
    #: Paths named by endpoint, so a page that moves does not break the suite.
    acting_for_path: str


@pytest.fixture(scope="session")
def live_site(tmp_path_factory) -> Iterator[LiveSite]:
    from citizen.app import create_app

    chromium.require()
    database = tmp_path_factory.mktemp("browser") / "live.sqlite"
    built: dict[str, Flask] = {}

    def app_for(base: str) -> Flask:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "PUBLIC_BASE_URL": base,
        })
        with app.app_context():
            flask_migrate.upgrade()
            seed_demo_data()
            _messages_to_show()
            db.session.commit()
        built["app"] = app
        return app

    with serving(app_for) as base:
        app = built["app"]
        with app.test_request_context():
            acting_for = url_for("auth.acting_for")
        yield LiveSite(base=base, app=app, acting_for_path=acting_for)
    with built["app"].app_context():
        db.engine.dispose()


def _messages_to_show() -> None:
    """Deliver the demo notices through the console transport (as the worker does under
    ``make run``), and leave one SMS dead and one letter due: the development and the
    administrators' pages are then checked with rows, not only their empty states."""
    from services.notify.paper import record_paper
    from services.outbox.models import OutboxMessage, OutboxStatus
    from services.outbox.service import claim, deliver_claimed
    from services.people.models import Organisation, Person

    pending = db.session.scalars(sa.select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.PENDING)).all()
    for message_id in pending:
        if (message := claim(message_id=message_id)) is not None:
            deliver_claimed(message=message)
    db.session.add(OutboxMessage(
        channel="sms", dedupe_key="browser:dead", status=OutboxStatus.DEAD, attempts=10,
        payload={"to": "+4791234567", "body": "Du har fått en ny melding."},
        last_error="Twilio 21610: the number has opted out"))
    trust = db.session.scalar(sa.select(Organisation).where(Organisation.parent_id.is_(None))
                              .order_by(Organisation.id).limit(1))
    person = db.session.scalar(sa.select(Person).order_by(Person.id).limit(1))
    record_paper(key="browser:letter", person_id=person.id, event="notify.new-message",
                 organisation_id=trust.id, actor="browser-suite", urgent=False)


@pytest.fixture
def fresh_rate_limits(live_site):
    """Each crawl opens the login pages once; across the suite that is more than the 20 a
    minute one address may. Every test starts as if a minute had passed (the limiter is the
    app's, with its per-route counters, not switched off)."""
    limiter.reset()


@pytest.fixture(scope="session")
def browser(live_site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = chromium.launch(playwright)
        yield launched
        launched.close()


@dataclass(frozen=True)
class Session:
    """A logged-in user's cookies, and where their login landed."""

    user: User
    storage_state: dict | None
    landing: str | None


@pytest.fixture(scope="session")
def sessions(browser, live_site) -> dict[str, Session]:
    """Each kind of user logged in once; every language and width reuses the session."""
    made: dict[str, Session] = {}
    for user in USERS:
        limiter.reset()
        if user.login_path is None:
            made[user.key] = Session(user, None, None)
            continue
        context = browser.new_context()
        page = context.new_page()
        landing = log_in(page, live_site.base, user, acting_for_path=live_site.acting_for_path)
        made[user.key] = Session(user, context.storage_state(), landing)
        context.close()
    return made


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the pages are photographed (README: instance/screenshots/); emptied per run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS
