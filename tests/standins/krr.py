"""KRR's REST lookup on loopback: ``POST /rest/v1/personer`` with
``{"personidentifikatorer": [...]}`` answers ``{"personer": [...]}`` for the people it was
given (see services/notify/krr.py for the shape)."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def person(national_id: str, *, reserved: bool = False, status: str = "AKTIV",
           mobile: str | None = None, email: str | None = None,
           can_notify: bool = True) -> dict[str, Any]:
    """One entry as KRR writes it."""
    entry: dict[str, Any] = {"personidentifikator": national_id,
                             "reservasjon": "JA" if reserved else "NEI", "status": status}
    if status == "AKTIV":
        entry["varslingsstatus"] = "KAN_VARSLES" if can_notify else "KAN_IKKE_VARSLES"
        details = {}
        if mobile:
            details |= {"mobiltelefonnummer": mobile,
                        "mobiltelefonnummer_oppdatert": "2025-11-20T10:14:52+01"}
        if email:
            details |= {"epostadresse": email,
                        "epostadresse_oppdatert": "2025-11-20T10:14:52+01"}
        entry["kontaktinformasjon"] = details
    return entry


class KrrServer:
    def __init__(self) -> None:
        #: Entries by identity number; a number not here comes back IKKE_REGISTRERT.
        self.people: dict[str, dict[str, Any]] = {}
        #: Answers to give instead, next first: a status code, or (code, headers, body).
        self.fail_next: deque[int | tuple[int, dict[str, str], bytes]] = deque()
        #: Seconds to wait before answering (timeouts).
        self.delay = 0.0
        #: Request bodies received, parsed.
        self.requests: list[Any] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if server.delay:
                    time.sleep(server.delay)
                if self.path != "/rest/v1/personer":
                    return self._answer(404, {}, b"")
                server.requests.append(json.loads(body or b"null"))
                if server.fail_next:
                    failure = server.fail_next.popleft()
                    code, headers, raw = (failure if isinstance(failure, tuple)
                                          else (failure, {}, b""))
                    return self._answer(code, headers, raw)
                numbers = server.requests[-1]["personidentifikatorer"]
                answer = {"personer": [server.people.get(n) or {
                    "personidentifikator": n, "status": "IKKE_REGISTRERT"} for n in numbers]}
                self._answer(200, {"Content-Type": "application/json"},
                             json.dumps(answer).encode())

            def _answer(self, code: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(code)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    def add(self, national_id: str, **details: Any) -> None:
        self.people[national_id] = person(national_id, **details)

    def __enter__(self) -> KrrServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
