"""A real HTTP server on loopback for clients that need one (FHIR client libraries, a
browser-like login round trip)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def serving(app_for: Callable[[str], Flask]) -> Iterator[str]:
    """Serve ``app_for(base_url)`` on 127.0.0.1 (a free port) and yield the base URL.

    The app is built once the port is known, so it can name its own address (login
    redirects and the dev identity provider need that).
    """
    app: dict[str, Flask] = {}
    server = make_server("127.0.0.1", 0, lambda env, start: app["wsgi"](env, start),
                         threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app["wsgi"] = app_for(base)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
