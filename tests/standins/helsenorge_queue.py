"""Helsenorge.Messaging's HTTP queue transport: POST /queues/<q> enqueues an
``<AMQPMessage>``, GET /queues/<q> takes the oldest (404 when empty)."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class HelsenorgeQueueServer:
    def __init__(self) -> None:
        self.queues: dict[str, deque[bytes]] = defaultdict(deque)
        #: Status codes to answer the next POSTs with, instead of accepting (fault injection).
        self.fail_next: deque[int] = deque()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if server.fail_next:
                    self.send_response(server.fail_next.popleft())
                    self.end_headers()
                    return
                server.queues[self._queue()].append(body)
                self.send_response(201)
                self.end_headers()

            def do_GET(self):
                queue = server.queues[self._queue()]
                if not queue:
                    self.send_response(404)
                    self.end_headers()
                    return
                body = queue.popleft()
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _queue(self) -> str:
                return self.path.removeprefix("/queues/").strip("/")

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/queues"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    def __enter__(self) -> HelsenorgeQueueServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
