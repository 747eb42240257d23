"""The kinds of user the browser suite crawls as, and a real login for each through the
built-in development identity provider (``/dev-idp``), as a person clicks through it."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Page


@dataclass(frozen=True)
class User:
    key: str
    #: The path that starts the login; None for the anonymous visitor.
    login_path: str | None = None
    #: The name the dev identity provider lists for this demo person.
    name: str | None = None
    #: Whom this person then chooses to act for, on the "whom you act for" page.
    acts_for: str | None = None


USERS = [
    User("anonymous"),
    User("citizen", "/auth/login", "Ingrid Berg"),
    #: The demo's post-operative patient: his wound questionnaire is open.
    User("post_op", "/auth/login", "Ola Hansen"),
    User("parent", "/auth/login", "Kari Nordmann", acts_for="Emil Nordmann"),
    User("fullmakt", "/auth/login", "Hilde Lie", acts_for="Arne Lie"),
    User("staff", "/staff/auth/login", "Siri Smittevern"),
    User("clinic", "/staff/auth/login", "Jordmor Jorunn Ultralyd"),
    User("records", "/staff/auth/login", "Journalansvarlig Jon"),
    User("admin", "/staff/auth/login", "Admin Anders"),
]


def log_in(page: Page, base: str, user: User, *, acting_for_path: str) -> str:
    """Log ``user`` in with ``page``'s context and return the URL the login landed on."""
    assert user.login_path and user.name
    page.goto(base + user.login_path)
    page.get_by_label(user.name).check()
    page.locator("button[name=action][value=login]").click()
    page.wait_for_load_state()
    landed = page.url
    assert landed.startswith(base) and "/dev-idp/" not in landed, (
        f"{user.key}: the login did not come back to the app: {landed}")
    if user.acts_for:
        page.goto(base + acting_for_path)
        choice = page.get_by_label(user.acts_for)
        choice.check()
        page.locator("form", has=choice).locator("button[type=submit], button:not([type])") \
            .first.click()
        page.wait_for_load_state()
        landed = page.url
    return landed
