"""The door: bodies limited however they are sent, and anonymous bodies never read.

Issue 13, finding 2: a chunked upload (no Content-Length) went past the 32 MB limit, and
/sync/push read and parsed 512 MB without a token. Finding 8: HSTS over TLS.
These call the ASGI app directly with a `receive` that counts what the app takes.
"""

from __future__ import annotations

import asyncio
import os
import stat
from typing import Any

import pytest

from lcc_apr.server import create_app
from lcc_apr.server.db import make_engine, prepare_database
from lcc_apr.sync.protocol import PROTOCOL, PROTOCOL_HEADER

CHUNK = 64 * 1024
MB = 1024 * 1024


class Upload:
    """An endless chunked body; counts the bytes the app received."""

    def __init__(self, total: int | None = None) -> None:
        self.total = total
        self.read = 0

    async def receive(self) -> dict[str, Any]:
        if self.total is not None and self.read >= self.total:
            return {"type": "http.disconnect"}
        self.read += CHUNK
        more = self.total is None or self.read < self.total
        return {"type": "http.request", "body": b" " * CHUNK, "more_body": more}


def call(app, path: str, upload: Upload, token: str | None = None, scheme: str = "http"):
    headers = [(PROTOCOL_HEADER.lower().encode(), str(PROTOCOL).encode())]
    headers.append((b"content-type", b"application/json"))
    headers.append((b"transfer-encoding", b"chunked"))
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8443),
    }
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, upload.receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"])


@pytest.fixture
def small_limit(live_server_factory):
    server = live_server_factory(max_request_mb=1)
    return server, create_app(server.settings, server.engine)


def test_a_chunked_body_over_the_limit_is_refused_without_reading_past_it(small_limit):
    server, app = small_limit
    token = server.login(server.people.managers[0].username).tokens["access_token"]
    upload = Upload(total=4 * MB)  # the server must stop reading at 1 MB
    status, _headers = call(app, "/sync/push", upload, token)
    assert status == 413
    assert upload.read <= MB + CHUNK


def test_a_chunked_sign_in_over_the_limit_is_refused_too(small_limit):
    _server, app = small_limit
    upload = Upload(total=4 * MB)
    assert call(app, "/auth/login", upload)[0] == 413
    assert upload.read <= MB + CHUNK


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_an_anonymous_body_is_refused_before_a_byte_is_read(small_limit, token):
    _server, app = small_limit
    upload = Upload(total=4 * CHUNK)
    status, headers = call(app, "/sync/push", upload, token)
    assert status == 401 and headers[b"www-authenticate"] == b"Bearer"
    assert upload.read == 0


def test_a_signed_in_body_under_the_limit_is_still_read(small_limit):
    server, app = small_limit
    token = server.login(server.people.managers[0].username).tokens["access_token"]
    upload = Upload(total=4 * CHUNK)  # blanks are not JSON: read whole, then refused
    assert call(app, "/sync/push", upload, token)[0] == 422
    assert upload.read == 4 * CHUNK


def test_hsts_is_sent_over_tls_only(small_limit):
    _server, app = small_limit
    _status, over_tls = call(app, "/auth/login", Upload(total=CHUNK), scheme="https")
    assert b"max-age=" in over_tls[b"strict-transport-security"]
    _status, plain = call(app, "/auth/login", Upload(total=CHUNK))
    assert b"strict-transport-security" not in plain


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes; Windows uses the folder's ACL")
def test_the_server_database_and_its_journals_are_owner_only(tmp_path):
    path = tmp_path / "server.db"
    engine = make_engine(f"sqlite:///{path}")
    prepare_database(engine)  # writes: the -wal and -shm exist now
    made = [path, *tmp_path.glob("server.db-*")]
    assert len(made) == 3
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in made} == {p.name: 0o600 for p in made}
    engine.dispose()
    path.chmod(0o644)  # left open by an older version
    make_engine(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
