"""A small, fast Twilio-compatible server on loopback: the Messages create only.

``POST /2010-04-01/Accounts/{sid}/Messages.json`` answers 201 with a message resource (a
fresh SID, status ``queued``, or ``accepted`` through a Messaging Service) and records the
request. Faults are injected per request: a 429 with ``Retry-After``, a 5xx, a 400 with a
Twilio error code, a connection dropped without an answer, or a slow answer.

In a test::

    with TwilioStub() as stub:
        stub.fail_next(Fault.rate_limited("7"))
        ... TwilioTransport.from_config({..., "api_base_url": stub.url}, ...)
        stub.requests[-1].form["To"], stub.count_by_body()

As a process (the worker-kill test, the benchmark)::

    python -m tests.standins.twilio --port 8765

prints ``listening on http://127.0.0.1:8765`` once it accepts requests, and serves until
SIGINT/SIGTERM. Its control API, beside the Twilio path:

- ``GET /_stub/counts``: ``{"total": n, "by_body": {body: count}, "by_status": {...}}``
  (requests answered 201 are counted per body, so a duplicate send shows as a count of 2);
- ``POST /_stub/faults`` with a JSON list of faults for the next requests, each
  ``{"kind": "rate_limited", "retry_after": "7"}``, ``{"kind": "server_error",
  "status": 503}``, ``{"kind": "refused", "code": 21211}`` (status 400 unless given),
  ``{"kind": "drop"}`` or ``{"kind": "slow", "seconds": 2}``; 204;
- ``POST /_stub/reset``: forget requests, counts and pending faults; 204.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import re
import signal
import socket
import threading
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-fA-F]{32})/Messages\.json$")

#: Twilio's words for the codes the transport treats specially.
ERROR_MESSAGES = {
    21211: "The 'To' number is not a valid phone number.",
    21604: "A 'To' phone number is required.",
    21606: "The 'From' phone number provided is not a valid message-capable phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    20429: "Too Many Requests",
}


@dataclass(frozen=True)
class Fault:
    """What the stub does instead of accepting one request."""

    kind: str
    status: int = 0
    code: int | None = None
    retry_after: str | None = None
    seconds: float = 0.0

    @classmethod
    def rate_limited(cls, retry_after: str | None = "1") -> Fault:
        return cls("rate_limited", status=429, code=20429, retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls("server_error", status=status, code=20500)

    @classmethod
    def refused(cls, code: int, status: int = 400) -> Fault:
        return cls("refused", status=status, code=code)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection having read the request, answering nothing."""
        return cls("drop")

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Accept, but only after ``seconds`` (for client timeouts)."""
        return cls("slow", seconds=seconds)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        kind = data["kind"]
        if kind == "rate_limited":
            return cls.rate_limited(data.get("retry_after", "1"))
        if kind == "server_error":
            return cls.server_error(int(data.get("status", 500)))
        if kind == "refused":
            return cls.refused(int(data["code"]), int(data.get("status", 400)))
        if kind == "drop":
            return cls.drop()
        if kind == "slow":
            return cls.slow(float(data["seconds"]))
        raise ValueError(f"unknown fault kind {kind!r}")


@dataclass
class StubRequest:
    """One request to the Messages path, as the stub received it."""

    account_sid: str
    form: dict[str, str]
    #: The Basic auth user name (the account SID, or an API key SID); None without auth.
    username: str | None
    password: str | None
    content_type: str
    answered: int = 0
    sid: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class TwilioStub:
    """The server: an asyncio loop in a thread of its own (a thread per connection and
    ``http.server``'s header parsing managed a few hundred requests a second)."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0,
                 keep_requests: bool = True) -> None:
        #: Every request to the Messages path, oldest first (empty with keep_requests off).
        self.requests: list[StubRequest] = []
        self._keep = keep_requests
        self._faults: deque[Fault] = deque()
        self._by_body: Counter[str] = Counter()
        self._by_status: Counter[int] = Counter()
        self._total = 0
        self._lock = threading.Lock()
        self._connections: set[asyncio.StreamWriter] = set()
        # Bound here, served from the loop's own thread: the calling thread may have a loop
        # running already (Playwright's sync API leaves one in the test process).
        self._socket = socket.create_server((host, port))
        self.url = f"http://{host}:{self._socket.getsockname()[1]}"
        self._loop = asyncio.new_event_loop()
        self._serving = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    # -- in a test -------------------------------------------------------------------------

    def fail_next(self, *faults: Fault) -> None:
        """Answer the next requests with these faults, one each, then accept again."""
        with self._lock:
            self._faults.extend(faults)

    def count_by_body(self) -> Counter[str]:
        """How often each body was accepted (201)."""
        with self._lock:
            return Counter(self._by_body)

    def counts(self) -> dict[str, Any]:
        with self._lock:
            return {"total": self._total, "by_body": dict(self._by_body),
                    "by_status": {str(k): v for k, v in self._by_status.items()}}

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._faults.clear()
            self._by_body.clear()
            self._by_status.clear()
            self._total = 0

    def __enter__(self) -> TwilioStub:
        self._thread.start()
        if not self._serving.wait(10):
            raise RuntimeError("the Twilio stub did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()

    def _run(self) -> None:
        loop = self._loop
        try:
            server = loop.run_until_complete(asyncio.start_server(self._serve, sock=self._socket))
            self._serving.set()
            loop.run_forever()
            loop.run_until_complete(self._close(server))
        finally:
            loop.close()
            self._socket.close()

    async def _close(self, server: asyncio.Server) -> None:
        server.close()
        for writer in list(self._connections):
            writer.close()
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await server.wait_closed()

    # -- the server's side -----------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(writer)
        try:
            while True:  # keep-alive: requests reuses its connections
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, target, _version = request_line.split(" ", 2)
                headers = {}
                for line in lines:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                body = await reader.readexactly(length) if length else b""
                answer = await self._answer(method, target, headers, body)
                if answer is None:  # a dropped connection: closed with nothing written
                    break
                writer.write(answer)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError,
                ValueError):
            pass
        finally:
            self._connections.discard(writer)
            writer.close()

    async def _answer(self, method: str, target: str, headers: dict[str, str],
                      body: bytes) -> bytes | None:
        if target.startswith("/_stub/"):
            return self._control(method, target, body)
        match = MESSAGES_PATH.match(target)
        if method != "POST" or match is None:
            return _response(404, _error(20404, "The requested resource was not found", 404))
        request = _parse(match["account"], headers, body)
        fault = self._next_fault()
        if fault is not None and fault.kind == "drop":
            request.answered = -1
            self._record(request)
            return None
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.seconds)
            fault = None
        status, payload, extra = _decide(request, fault)
        request.answered, request.sid = status, payload.get("sid")
        self._record(request)
        return _response(status, payload, extra)

    def _control(self, method: str, target: str, body: bytes) -> bytes:
        if (method, target) == ("GET", "/_stub/counts"):
            return _response(200, self.counts())
        if (method, target) == ("POST", "/_stub/faults"):
            self.fail_next(*(Fault.from_json(f) for f in json.loads(body or b"[]")))
        elif (method, target) == ("POST", "/_stub/reset"):
            self.reset()
        else:
            return _response(404, {"message": "not found"})
        return b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _record(self, request: StubRequest) -> None:
        with self._lock:
            self._total += 1
            self._by_status[request.answered] += 1
            if request.answered == 201:
                self._by_body[request.form.get("Body", "")] += 1
            if self._keep:
                self.requests.append(request)


def _parse(account: str, headers: dict[str, str], body: bytes) -> StubRequest:
    form = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    username = password = None
    auth = headers.get("authorization", "")
    if auth.startswith("Basic "):
        username, _, password = base64.b64decode(auth[6:]).decode().partition(":")
    return StubRequest(account_sid=account, form=form, username=username, password=password,
                       content_type=headers.get("content-type", ""), headers=headers)


def _decide(request: StubRequest,
            fault: Fault | None) -> tuple[int, dict[str, Any], dict[str, str]]:
    if request.username is None:
        return 401, _error(20003, "Authenticate", 401), {}
    if fault is not None:
        extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        return fault.status, _error(fault.code, ERROR_MESSAGES.get(fault.code, "Error"),
                                    fault.status), extra
    if not request.form.get("To"):
        return 400, _error(21604, ERROR_MESSAGES[21604], 400), {}
    if not (request.form.get("From") or request.form.get("MessagingServiceSid")):
        return 400, _error(21606, ERROR_MESSAGES[21606], 400), {}
    return 201, _message(request), {}


def _response(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
              ) -> bytes:
    data = json.dumps(payload).encode()
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
             "Content-Type: application/json", f"Content-Length: {len(data)}",
             *(f"{name}: {value}" for name, value in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data


def _error(code: int | None, message: str, status: int) -> dict[str, Any]:
    return {"code": code, "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


def _message(request: StubRequest) -> dict[str, Any]:
    form = request.form
    sid = "SM" + uuid.uuid4().hex
    now = format_datetime(datetime.now(UTC), usegmt=True)
    via_service = bool(form.get("MessagingServiceSid")) and not form.get("From")
    return {
        "account_sid": request.account_sid, "api_version": "2010-04-01",
        "body": form.get("Body", ""), "date_created": now, "date_sent": None,
        "date_updated": now, "direction": "outbound-api", "error_code": None,
        "error_message": None, "from": form.get("From"),
        "messaging_service_sid": form.get("MessagingServiceSid"), "num_media": "0",
        "num_segments": "1", "price": None, "price_unit": "USD", "sid": sid,
        "status": "accepted" if via_service else "queued", "subresource_uris": {},
        "to": form.get("To"),
        "uri": f"/2010-04-01/Accounts/{request.account_sid}/Messages/{sid}.json",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-keep-requests", action="store_true",
                        help="count only (long benchmark runs)")
    args = parser.parse_args(argv)
    if not args.host.startswith("127.") and args.host not in ("localhost", "::1"):
        parser.error("the stub listens on loopback only")
    stub = TwilioStub(host=args.host, port=args.port, keep_requests=not args.no_keep_requests)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    with stub:
        print(f"listening on {stub.url}", flush=True)
        stopped.wait()


if __name__ == "__main__":
    main()
