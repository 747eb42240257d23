"""Where to send the browser after login: only to a path on this site (no open redirect)."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(raw: str | None, *, default: str) -> str:
    """``raw`` if it is a local path such as ``/records?page=2``, else ``default``.

    Refused: absolute URLs (``https://evil.example``), protocol-relative ones
    (``//evil.example``), backslashes (browsers read ``/\\evil.example`` as a host), and
    control characters, which some browsers strip before parsing.
    """
    if not raw or not raw.startswith("/") or raw.startswith("//"):
        return default
    if "\\" in raw or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in raw):
        return default
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return default
    return raw
