"""A real RFC 3161 timestamp authority on 127.0.0.1 for the tests (not product code).

It speaks HTTP like any public TSA: POST application/timestamp-query, answer
application/timestamp-reply. The token is built and signed by pyHanko's test TSA
(DummyTimeStamper) with the given TSA certificate's key; `at` fixes the time it certifies
(None: now), and `down` makes it answer 503 like a TSA that is out of service.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import tsp

from tests.pdf_tools import Identity, dummy_timestamper


@dataclass
class LocalTsa:
    tsa: Identity
    at: datetime | None = None
    down: bool = False
    requests: int = 0
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/tsa"

    def answer(self, body: bytes) -> bytes:
        stamper = dummy_timestamper(self.tsa)
        stamper.fixed_dt = self.at
        request = tsp.TimeStampReq.load(body)
        return asyncio.run(stamper.async_request_tsa_response(request)).dump()

    def start(self) -> LocalTsa:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                owner.requests += 1
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if owner.down:
                    self.send_error(503, "out of service")
                    return
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(415, "want application/timestamp-query")
                    return
                reply = owner.answer(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
