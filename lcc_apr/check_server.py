"""`lcc-apr check --against-server`: a cache checked against its server on demand, signed
in as the person the cache belongs to (from the keyring's refresh token, else with their
password), with lcc_apr.sync.evidence: what differs is named and put right.
"""

from __future__ import annotations

from collections.abc import Callable

from keyring.backend import KeyringBackend

from lcc_apr.models import SyncState, User
from lcc_apr.store import Store
from lcc_apr.sync.evidence import Findings, check_against_server


class CannotCheck(Exception):
    """The check could not be made: a plain sentence says why and what to do."""


def against_server(
    store: Store,
    *,
    keyring_backend: KeyringBackend | None,
    password: Callable[[str], str | None],
    username: str | None = None,
) -> Findings:
    """Sign in to the store's server as its person (`username` for a cache that does not
    record whose it is) and check every copy; `password(name)` is asked only when the
    keyring holds no refresh token (None or "": give up)."""
    from lcc_apr.orgconfig import OrgConfigError, read_organisation
    from lcc_apr.sync.errors import SyncError
    from lcc_apr.sync.network import Network
    from lcc_apr.sync.transport import Connection, Tokens

    with store.session() as s:
        state = s.get(SyncState, 1)
        if state is None or not state.server_url:
            raise CannotCheck(
                "This store has not been synced with a server: there is nothing to check it "
                "against."
            )
        user = s.get(User, state.user_id) if state.user_id is not None else None
        username = user.username if user is not None else username
        if username is None:
            raise CannotCheck("Say whose store this is: --user NAME (who signs in).")
        url, epoch = state.server_url, state.epoch
    try:
        network = Network.of(read_organisation())
    except OrgConfigError as err:
        raise CannotCheck(str(err)) from None
    connection = Connection(
        url, tokens=Tokens(keyring_backend), network=network, allow_plain_local=True
    )
    try:
        if not connection.resume(username):
            given = password(username)
            if not given:
                raise CannotCheck(
                    f"Signing in to {url} as {username} needs the password: give it when "
                    "asked (or sign in once in the app)."
                )
            connection.login(username, given, device="lcc-apr check")
        if connection.version().epoch != epoch:
            raise CannotCheck(
                "The server was restored from a backup since this computer last synced: "
                "sync in the app first (it checks every record then), then check again."
            )
        return check_against_server(store, connection)
    except SyncError as err:
        raise CannotCheck(f"The server could not be asked: {err}") from None
    finally:
        connection.close()
