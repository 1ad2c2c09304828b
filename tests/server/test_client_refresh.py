"""A refresh whose answer is lost on the way back keeps the laptop signed in (issue 13, 5)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from lcc_apr.forms import Catalogue
from lcc_apr.server.tables import AuditEntry, AuthSession
from lcc_apr.store import open_store
from lcc_apr.sync.engine import SyncEngine
from lcc_apr.sync.transport import Connection, Tokens

from ..conftest import MemoryKeyring


class DropRefreshReplies(httpx.HTTPTransport):
    """Delivers every refresh, then loses the first `drops` of the server's answers."""

    def __init__(self, drops: int) -> None:
        super().__init__()
        self.drops = drops

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path == "/auth/refresh" and self.drops:
            response.read()
            self.drops -= 1
            raise httpx.ReadError("connection dropped after the server answered")
        return response


def test_a_lost_refresh_reply_leaves_the_laptop_signed_in(live_server, tmp_path):
    manager = live_server.people.managers[0]
    ring = MemoryKeyring()
    transport = DropRefreshReplies(drops=1)
    connection = Connection(
        live_server.url, tokens=Tokens(ring), allow_plain_local=True, transport=transport
    )
    store = open_store(tmp_path / "laptop.db", keyring_backend=ring)
    try:
        connection.login(manager.username, "demo")
        engine = SyncEngine(store, connection, Catalogue.load(), sleep=lambda s: None)
        connection._access = "expired.access.token"  # the next request refreshes first
        assert engine.run().received > 0
        assert transport.drops == 0  # the answer to the first refresh was lost
        assert live_server.client(connection._access).get("/org").status_code == 200
        connection._access = "expired.access.token"  # and the new refresh token works
        engine.run()
        with live_server.session() as session:
            assert session.scalars(select(AuthSession.revoked_at)).all() == [None]
            outcomes = set(session.scalars(select(AuditEntry.outcome)))
        assert "repeated" in outcomes and "reuse_revoked_family" not in outcomes
    finally:
        connection.close()
        store.close()
