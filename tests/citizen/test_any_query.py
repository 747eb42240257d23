"""No query string makes a page or an API call fail with a 500: every GET endpoint of the
access matrix, as the callers who reach it, with each query parameter the view reads (found
by watching what it asks ``request.args`` for) set in turn to values at and past the
calendar's and the columns' edges, malformed numbers, non-ASCII digits and garbage
cursors. The FHIR face has its own (tests/citizen/fhir/test_any_input.py)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from flask import request
from werkzeug.datastructures import ImmutableMultiDict

from tests.citizen.test_access_matrix import MATRIX, matrix_app, signed_in, url, world

__all__ = ["matrix_app", "world"]  # the fixtures, used by name

VALUES = ("01.01.0001", "31.12.9999", "0001-01-01", "9999-12-31", "9999-3", "0001-1",
          "0000-0", "30.02.2026", "-1", "0", "99999999999999999999", "١٢", "\x00", "%ff",
          "[[[[", "x" * 3000, "eyJhIjoxfQ", "1e400", " ")


class _Watched(ImmutableMultiDict):
    """``request.args`` that remembers which names the view asked for."""

    asked: set[str] = set()

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        self.asked.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self.asked.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)


def _with_query(target: str, query: dict[str, str]) -> str:
    return f"{target}{'&' if '?' in target else '?'}{urlencode(query)}"


@pytest.mark.parametrize("caller", ["self", "staff_same_org"])
def test_no_query_string_is_a_server_error(matrix_app, world, caller):
    @matrix_app.before_request
    def watch_the_arguments():
        request.__dict__["args"] = _Watched(request.args)

    client, headers = signed_in(matrix_app, world, caller)
    failed, fuzzed = [], 0
    for (endpoint, method), (path, _kind, expected) in MATRIX.items():
        if method != "GET" or expected[caller] >= 400 or "download" in path:
            continue
        target = url(path, world, caller)
        _Watched.asked = set()
        client.get(target, headers=headers).close()
        for name in sorted(_Watched.asked):
            fuzzed += 1
            for value in VALUES:
                response = client.get(_with_query(target, {name: value}), headers=headers)
                response.close()
                if response.status_code >= 500:
                    failed.append(f"{endpoint} {name}={value[:20]!r}: {response.status_code}")
    assert fuzzed > 10  # the watch saw the views read their arguments
    assert failed == []
