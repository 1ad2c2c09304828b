"""Signing in to a real server on a computer without a usable keyring asks for a passphrase
(issue 13, 7): main.make_sign_in hands the welcome's asker to the store and the signer."""

from __future__ import annotations

import json

import pytest

from lcc_apr.forms import Catalogue
from lcc_apr.store import WrongKeyError, keys
from lcc_apr.sync import transport
from lcc_apr.sync.transport import Connection
from main import make_sign_in


class LocalConnection(Connection):
    """The live test server speaks plain HTTP on 127.0.0.1."""

    def __init__(self, url: str, **kw) -> None:
        kw["allow_plain_local"] = True
        super().__init__(url, **kw)


@pytest.fixture
def no_keyring(monkeypatch):
    monkeypatch.setattr(keys, "secure_keyring", lambda backend=None: None)
    monkeypatch.setattr(transport, "Connection", LocalConnection)


def test_without_a_keyring_the_server_sign_in_asks_for_a_passphrase(
    live_server, tmp_path, no_keyring
):
    manager = live_server.people.managers[0]
    sign_in = make_sign_in(tmp_path, Catalogue.load())
    asked: list[bool] = []

    def ask(new: bool) -> str:
        asked.append(new)
        return "correct horse battery staple"

    session = sign_in(None, live_server.url, manager.username, "demo", lambda step: None, None, ask)
    try:
        assert asked[0] is True  # a new store: the person chooses the passphrase
        assert session.user["username"] == manager.username
        info = json.loads(keys.info_path(session.store.path).read_text())
        assert info["source"] == "passphrase"
    finally:
        session.close()
    asked.clear()
    again = sign_in(None, live_server.url, manager.username, "demo", lambda step: None, None, ask)
    again.close()
    assert asked[0] is False  # the same store, opened with the same passphrase
    with pytest.raises(WrongKeyError):
        sign_in(
            None, live_server.url, manager.username, "demo", lambda s: None, None, lambda n: "x"
        )
