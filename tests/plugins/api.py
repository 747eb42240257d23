"""The JSON API under test: clients logged in as a citizen, and every answer checked
against ``/api/v1/openapi.json`` (status declared, content type, body valid)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient

from services.actors import Actor
from services.db import db
from tests.plugins.login import set_session_cookie


class OpenApiDocument:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._paths = [(re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$"),
                        operations) for path, operations in document["paths"].items()]

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        for pattern, operations in self._paths:
            if pattern.match(path):
                return operations.get(method.lower())
        return None

    def check(self, method: str, path: str, response) -> None:
        """Fail unless ``response`` is one the document describes for this call."""
        described = self.operation(method, path)
        assert described is not None, f"{method} {path} is not in the OpenAPI document"
        declared = described["responses"].get(str(response.status_code))
        assert declared is not None, (
            f"{method} {path} answered {response.status_code}, which its operation does not "
            f"declare: {sorted(described['responses'])}")
        content = declared.get("content")
        if content is None:
            assert response.get_data() == b"", f"{method} {path}: a body where none is declared"
            return
        assert response.mimetype in content, (
            f"{method} {path} answered {response.mimetype}, declared {sorted(content)}")
        schema = content[response.mimetype]["schema"]
        if response.is_json and "contentMediaType" not in schema:  # JSON, not a JSON file
            self.validate(schema, response.get_json())
        else:  # a file: its content type is what the document can say of it
            assert response.get_data(), f"{method} {path}: an empty file"

    def validate(self, schema: dict[str, Any], instance: Any) -> None:
        # The components travel along so that "#/components/..." resolves.
        rooted = {**schema, "components": self.document["components"]}
        jsonschema.Draft202012Validator(
            rooted, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).validate(instance)


class CheckedClient(FlaskClient):
    """A test client whose every ``/api/v1`` answer is checked against the document."""

    openapi: OpenApiDocument

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith("/api/v1/"):
            self.openapi.check(request.method, request.path, response)
        return response


@pytest.fixture
def openapi(app) -> OpenApiDocument:
    from citizen.api.openapi import document_for

    return OpenApiDocument(document_for(app))


@pytest.fixture
def api_client(app, db, openapi) -> CheckedClient:
    """Not logged in; log in with ``log_in_as(api_client, person)``."""
    app.test_client_class = CheckedClient
    try:
        client = app.test_client()
    finally:
        app.test_client_class = None
    client.openapi = openapi
    return client


def log_in_as(client, person, *, acting_for=None) -> None:
    """Give ``client`` a citizen session for ``person`` (acting for ``acting_for``)."""
    set_session_cookie(client, session_token_for(person, acting_for=acting_for))


def session_token_for(person, *, acting_for=None) -> str:
    """A new citizen session's token (the cookie's value) for ``person``."""
    from services.sessions.service import SessionKind, start_session

    web_session, token = start_session(kind=SessionKind.CITIZEN, actor=Actor.person(person.id),
                                       absolute_timeout=timedelta(hours=1),
                                       person_id=person.id)
    if acting_for is not None:
        web_session.acting_for_person_id = acting_for.id
    db.session.commit()
    return token
