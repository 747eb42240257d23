"""Debian's chromium and npm's axe-core, or a clear reason why the browser suite cannot run.

Never a browser download: Playwright (from PyPI, its wheel carries the driver) launches the
system's ``/usr/bin/chromium``. ``.ci/run`` installs both; on CI a missing one is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
#: This machine's network is closed: without the background-networking flags chromium
#: stalls on its own update and sync requests.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing() -> str | None:
    """Why the browser suite cannot run here, or None."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} is missing: apt-get install -y chromium"
    if not AXE.is_file():
        how = "npm ci --prefix tests/browser"
        if not shutil.which("npm"):
            how = f"install npm, then {how}"
        return f"{AXE.relative_to(HERE.parents[1])} is missing: {how}"
    return None


def require() -> None:
    """Skip with the reason on a developer's machine; fail on CI (CI is set there)."""
    reason = missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser suite cannot run on CI: {reason}", pytrace=False)
    pytest.skip(f"browser suite skipped: {reason}")


def launch(playwright):
    """Debian's chromium, headless, through ``playwright`` (a sync Playwright instance)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
