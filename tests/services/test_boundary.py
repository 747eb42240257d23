"""services/ knows nothing of HTTP requests: no flask.request, session or g, and no
import of ``citizen``, in any of its files (read as source, so no path escapes by not
being imported)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "services"
#: Request-bound globals: a service that reads them works only inside a request.
REQUEST_GLOBALS = {"request", "session", "g"}
FLASK_MODULES = {"flask", "flask.globals"}


def _dotted(node: ast.expr) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def boundary_violations(source: str) -> list[str]:
    """What in ``source`` crosses the boundary, as ``line: what``."""
    tree = ast.parse(source)
    found: list[str] = []
    flask_names: dict[str, str] = {}  # local name -> the flask module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "citizen":
                    found.append(f"{node.lineno}: import {alias.name}")
                if alias.name in FLASK_MODULES:
                    local = alias.asname or alias.name.split(".")[0]
                    flask_names[local] = alias.name if alias.asname else "flask"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "citizen":
                found.append(f"{node.lineno}: from {node.module} import ...")
            for alias in node.names:
                if node.module in FLASK_MODULES and alias.name in REQUEST_GLOBALS | {"*"}:
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
                if node.module == "flask" and alias.name == "globals":
                    flask_names[alias.asname or "globals"] = "flask.globals"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in REQUEST_GLOBALS:
            owner = _dotted(node.value)
            if owner is None:
                continue
            head, _, rest = owner.partition(".")
            module = ".".join(filter(None, [flask_names.get(head), rest]))
            if head in flask_names and module in FLASK_MODULES:
                found.append(f"{node.lineno}: {owner}.{node.attr}")
    return sorted(found)


@pytest.mark.parametrize("source", [
    "from flask import request",
    "from flask import g as flask_g",
    "from flask import current_app, session",
    "from flask import *",
    "from flask.globals import request",
    "import flask\nflask.request.args",
    "import flask\ndef f():\n    return flask.session['x']",
    "import flask as f\nf.g.user",
    "import flask.globals\nflask.globals.g",
    "import flask.globals as fg\nfg.request",
    "from flask import globals\nglobals.session",
    "import citizen",
    "import citizen.fhir.registry",
    "from citizen import app",
    "from citizen.fhir.registry import handlers",
])
def test_each_way_across_the_boundary_is_seen(source):
    assert boundary_violations(source) != []


@pytest.mark.parametrize("source", [
    "from flask import current_app",
    "from flask_sqlalchemy import SQLAlchemy",
    "import flask_sqlalchemy\nflask_sqlalchemy.session",
    "import flask\nflask.Flask",
    "from services.sessions import service as session\nsession.g",
    "request = {}\nrequest.g",
    "from . import citizen",
    "import citizenship",
])
def test_what_stays_inside_is_not_flagged(source):
    assert boundary_violations(source) == []


def test_no_service_module_crosses_into_the_web_layer():
    files = sorted(SERVICES.rglob("*.py"))
    assert len(files) > 20
    found = {str(path.relative_to(SERVICES)): violations for path in files
             if (violations := boundary_violations(path.read_text(encoding="utf-8")))}
    assert found == {}
