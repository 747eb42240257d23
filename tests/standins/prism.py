"""Prism (npm's ``@stoplight/prism-cli``, pinned in tests/standins/prism/package-lock.json)
serving Twilio's OpenAPI contract on loopback, with ``--errors``: a request the contract
does not allow is answered 401 / 415 / 422 instead of an example.

The contract is Twilio's own ``twilio_api_v2010.json`` (twilio/twilio-oai, MIT licence),
kept in the repository at tests/standins/prism/contract/ so a clean checkout has it, or
wherever ``TWILIO_CONTRACT`` says. Without Prism the tests that need it skip with the
reason; on CI (``CI`` set) they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PRISM = HERE / "prism" / "node_modules" / ".bin" / "prism"
CONTRACT = HERE / "prism" / "contract" / "twilio_api_v2010.json"
#: The contract is 1.9 MB; Prism needs a few seconds to read it on these machines.
START_TIMEOUT = 90.0


def contract() -> Path | None:
    if configured := os.environ.get("TWILIO_CONTRACT"):
        return Path(configured)
    return CONTRACT


def missing() -> str | None:
    """Why Prism cannot serve the contract here, or None."""
    if not PRISM.is_file():
        how = "npm ci --prefix tests/standins/prism"
        if not shutil.which("npm"):
            how = f"install npm, then {how}"
        return f"{PRISM.relative_to(ROOT)} is missing: {how}"
    path = contract()
    if path is None or not path.is_file():
        return f"Twilio's contract is missing: {CONTRACT.relative_to(ROOT)}, or TWILIO_CONTRACT"
    return None


def require() -> None:
    """Skip with the reason on a developer's machine; fail on CI (CI is set there)."""
    reason = missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"Prism tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(f"Prism tests skipped: {reason}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Prism:
    """One ``prism mock --errors`` process; ``url`` is its base URL."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.NamedTemporaryFile(prefix="prism-", suffix=".log", delete=False)  # noqa: SIM115
        self._process = subprocess.Popen(
            [str(PRISM), "mock", "--errors", "--host", "127.0.0.1", "--port", str(self.port),
             str(contract())],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        try:
            self._wait_until_listening()
        except RuntimeError:
            self.stop()  # the log file too: left open it is an unraisable ResourceWarning
            raise

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"Prism exited ({self._process.returncode}):\n{self.log()}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"Prism did not listen within {START_TIMEOUT:.0f} s:\n{self.log()}")

    def log(self, last: int = 40) -> str:
        """Prism's last log lines (its validation messages name the offending field)."""
        text = Path(self._log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-last:])

    def stop(self) -> None:
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)
