import pytest

from citizen.auth.redirects import safe_next


@pytest.mark.parametrize("raw", ["/", "/records", "/records?page=2&sort=date", "/a/b#part"])
def test_local_paths_are_kept(raw):
    assert safe_next(raw, default="/home") == raw


@pytest.mark.parametrize("raw", [
    None, "", "records", "https://evil.example", "//evil.example", "///evil.example",
    "/\\evil.example", "\\\\evil.example", "javascript:alert(1)", "/\tevil", "/\nLocation: x",
    "http:/evil.example",
])
def test_everything_else_falls_back_to_the_default(raw):
    assert safe_next(raw, default="/home") == "/home"
