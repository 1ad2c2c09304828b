"""Getting a signed-in, synced desktop session: the demo, or the organisation's server.

Plain core code the UI runs in a worker (it can take a while the first time):
each step reports progress through a callback, and errors are SyncError /
StoreError sentences for the person. The demo's server is handed in by the
composition root (main.py): the core never imports lcc_apr.server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from lcc_apr.progress import Pace, Step

if TYPE_CHECKING:  # the sync (httpx, its wire models) loads where a session is made: a
    # later start opens its cache first, and its pages read it meanwhile; the store
    # (SQLAlchemy) where it is opened: a later start reads its first page before
    from keyring.backend import KeyringBackend

    from lcc_apr.forms import Catalogue
    from lcc_apr.signing.identity import Signer
    from lcc_apr.store import Store
    from lcc_apr.sync.engine import SyncEngine
    from lcc_apr.sync.network import Network
    from lcc_apr.sync.outcome import SyncResult
    from lcc_apr.sync.transport import Connection

Progress = Callable[[Step], None]  # each step of the way, in plain words (lcc_apr.progress)
AskPassphrase = Callable[[bool], str]
WAITING_FOR_BROWSER = "Finish signing in in your browser…"


class DemoLogins(Protocol):
    @property
    def manager(self) -> str: ...
    @property
    def employee(self) -> str: ...
    @property
    def hr(self) -> str | None: ...
    @property
    def password(self) -> str: ...


class DemoServer(Protocol):
    """The demo's server, run inside the app (lcc_apr.server.embedded.EmbeddedServer)."""

    @property
    def as_of(self) -> date: ...
    def prepare(self, progress: Callable[[str, int], None] | None = None) -> None: ...
    def start(self) -> str: ...
    def stop(self) -> None: ...
    def logins(self) -> DemoLogins: ...
    def complete_in_background(self) -> None: ...


# (data folder, size) -> a demo server, not yet prepared or started
DemoServerFactory = Callable[[Path, int], DemoServer]


@dataclass
class Session:
    """What a signed-in desktop runs on; close() when the app quits."""

    store: Store
    connection: Connection
    engine: SyncEngine
    user: dict[str, Any]
    demo: bool = False
    today: Callable[[], date] = date.today  # the demo's records are dated to its own day
    first_sync: SyncResult | None = None
    signer: Signer | None = None  # this user's signing identity on this computer
    demo_role: str | None = None  # the demo person signed in as (DEMO_PEOPLE)
    _on_close: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        self.connection.close()
        self.store.close()
        for action in self._on_close:
            action()


def cache_path(folder: Path, url: str, username: str) -> Path:
    """One encrypted cache per server and user."""
    safe = "".join(c if c.isalnum() else "-" for c in f"{url}-{username}").strip("-")
    return folder / f"cache-{safe[-80:]}.db"


def sign_in(
    *,
    url: str,
    username: str,
    password: str | None,
    folder: Path,
    keyring_backend: KeyringBackend | None,
    ask_passphrase: AskPassphrase | None,
    catalogue: Catalogue,
    progress: Progress = lambda text: None,
    demo: bool = False,
    network: Network | None = None,
    cancel: threading.Event | None = None,
) -> Session:
    """Sign in (with a password, or from the stored refresh token when it is None),
    open this user's encrypted cache and sync it. Offline with a known cache, the
    session opens without syncing. `network`: the organisation's certificates and proxy
    (None: the usual ones)."""
    progress(Step("Opening your records on this computer"))
    store = open_cache(
        url=url,
        username=username,
        folder=folder,
        keyring_backend=keyring_backend,
        ask_passphrase=ask_passphrase,
        demo=demo,
    )
    try:
        session = session_on(
            store,
            url=url,
            username=username,
            keyring_backend=keyring_backend,
            ask_passphrase=ask_passphrase,
            catalogue=catalogue,
            progress=progress,
            demo=demo,
            network=network,
        )
    except BaseException:
        store.close()
        raise
    connection = session.connection

    def signing_in() -> None:
        progress(Step("Signing in"))
        if password is not None:
            session.user = connection.login(username, password).model_dump()
        else:
            connection.resume(username)
            session.user = connection.user.model_dump() if connection.user else {}

    return _first_sync(session, progress, cancel, signing_in)


def open_cache(
    *,
    url: str,
    username: str,
    folder: Path,
    keyring_backend: KeyringBackend | None,
    ask_passphrase: AskPassphrase | None,
    demo: bool = False,
) -> Store:
    """This user's encrypted cache for this server, opened (made when there is none):
    `sign_in`'s first step; a later start's window shows meanwhile and its pages read the
    cache before the rest of the session is made (lcc_apr.ops.opening.LaterSession)."""
    place = "demo" if demo else url  # the demo server's port changes at every start
    from lcc_apr.store import open_store

    return open_store(
        cache_path(folder, place, username),
        keyring_backend=keyring_backend,
        ask_passphrase=ask_passphrase,
    )


def session_on(
    store: Store,
    *,
    url: str,
    username: str,
    keyring_backend: KeyringBackend | None,
    ask_passphrase: AskPassphrase | None,
    catalogue: Catalogue,
    progress: Progress = lambda text: None,
    demo: bool = False,
    network: Network | None = None,
) -> Session:
    """A session on the open cache: its connection (not yet signed in), signer and sync."""
    from lcc_apr.signing.identity import Signer
    from lcc_apr.sync.engine import SyncEngine
    from lcc_apr.sync.transport import Connection, Tokens

    # the demo signs in with its password at every start (its port changes): no refresh
    # token is kept in the keyring for it, so removing the demo leaves none behind
    tokens = Tokens(None if demo else keyring_backend)
    connection = Connection(url, tokens=tokens, allow_plain_local=demo, network=network)
    connection.username = username
    signer = Signer(store, keyring_backend=keyring_backend, ask_passphrase=ask_passphrase)
    engine = SyncEngine(
        store, connection, catalogue, signer=signer, on_progress=lambda p: progress(p.step())
    )
    return Session(store, connection, engine, user={}, demo=demo, signer=signer)


def sign_in_with_council_account(
    *,
    url: str,
    folder: Path,
    keyring_backend: KeyringBackend | None,
    ask_passphrase: AskPassphrase | None,
    catalogue: Catalogue,
    progress: Progress = lambda text: None,
    cancel: threading.Event | None = None,
    open_browser: Callable[[str], Any] | None = None,
    network: Network | None = None,
    allow_plain_local: bool = False,
) -> Session:
    """Sign in with the council account (single sign-on through the system browser,
    lcc_apr.sync.sso), then open this user's encrypted cache and sync it, as `sign_in`.
    Setting `cancel` while the browser is open stops it (Cancelled). `network`: the
    organisation's certificates and proxy for the server; the identity provider is reached
    through the same proxy with the usual authorities."""
    import webbrowser

    import httpx

    from lcc_apr.signing.identity import Signer
    from lcc_apr.sync import sso
    from lcc_apr.sync.engine import SyncEngine
    from lcc_apr.sync.network import Network
    from lcc_apr.sync.transport import Connection, Tokens

    connection = Connection(
        url, tokens=Tokens(keyring_backend), allow_plain_local=allow_plain_local, network=network
    )
    provider = httpx.Client(timeout=30.0, **(network or Network()).public().client_options())
    try:
        progress(Step("Opening your council's sign-in page in your browser"))
        sso.sign_in_with_council_account(
            connection,
            open_browser=open_browser or webbrowser.open,
            cancel=cancel,
            waiting=lambda: progress(Step(WAITING_FOR_BROWSER)),
            http=provider,
        )
        assert connection.username is not None and connection.user is not None
        from lcc_apr.store import open_store

        store = open_store(
            cache_path(folder, url, connection.username),
            keyring_backend=keyring_backend,
            ask_passphrase=ask_passphrase,
        )
    except BaseException:
        connection.close()
        raise
    finally:
        provider.close()
    signer = Signer(store, keyring_backend=keyring_backend, ask_passphrase=ask_passphrase)
    engine = SyncEngine(
        store, connection, catalogue, signer=signer, on_progress=lambda p: progress(p.step())
    )
    session = Session(store, connection, engine, user=connection.user.model_dump(), signer=signer)
    return _first_sync(session, progress, cancel)


def _first_sync(
    session: Session,
    progress: Progress,
    cancel: threading.Event | None,
    signing_in: Callable[[], None] | None = None,
) -> Session:
    """Sign in (`signing_in`, when not done yet) and the session's first sync; offline with
    records already here, the session opens without them (closed on any other failure)."""
    from lcc_apr.sync.errors import NetworkError

    try:
        if signing_in is not None:
            signing_in()
        progress(Step("Receiving your records"))
        session.first_sync = session.engine.run(cancel)
    except NetworkError:
        if not _has_synced(session.store):
            session.close()
            raise
        progress(Step("Working offline with the records on this computer"))
    except BaseException:
        session.close()
        raise
    return session


def council_sign_in_offered(
    url: str, *, network: Network | None = None, allow_plain_local: bool = False
) -> bool:
    """Whether the server at `url` offers sign-in with the council account (GET /auth/sso);
    False too when it cannot be asked (a wrong address, no answer). For a worker."""
    from lcc_apr.sync.errors import SyncError
    from lcc_apr.sync.transport import Connection, Tokens

    try:
        connection = Connection(
            url,
            tokens=Tokens(None),
            allow_plain_local=allow_plain_local,
            network=network,
            timeout=10.0,
        )
    except SyncError:
        return False
    try:
        return connection.sso_provider() is not None
    except SyncError:
        return False
    finally:
        connection.close()


def sign_in_demo(
    role: str,
    *,
    demo_server: DemoServerFactory,
    folder: Path,
    keyring_backend: KeyringBackend | None,
    catalogue: Catalogue,
    progress: Progress = lambda text: None,
    size: int = 6087,
    cancel: threading.Event | None = None,
) -> Session:
    """Start the embedded demo server (building it the first time) and sign in as a demo
    manager, employee or HR adviser."""
    from lcc_apr.demo.build import DEMO_PASSPHRASE
    from lcc_apr.demo.load import STAGE_WORDS, stage_total
    from lcc_apr.sync.errors import Cancelled

    server = demo_server(folder, size)
    progress(
        Step(
            "Preparing the demo organisation (the first time: about 10 s; the records "
            "only HR sees are added in the background for a minute or two after)"
        )
    )
    paces: dict[str, Pace] = {}

    def building(stage: str, n: int) -> None:
        if cancel is not None and cancel.is_set():  # quitting: an unfinished build is redone
            raise Cancelled("The demo was not finished; it is built again at the next start.")
        total = stage_total(stage, size)
        left = paces.setdefault(stage, Pace()).left(n, total)
        progress(Step(STAGE_WORDS.get(stage, "Preparing the demo organisation"), n, total, left))

    try:
        server.prepare(building)
        url = server.start()
        logins = server.logins()
        username = getattr(logins, role)
        if username is None:  # a demo too small to hold anyone in that role
            raise ValueError(f"This demo organisation has no {role} account to try.")
        session = sign_in(
            url=url,
            username=username,
            password=logins.password,
            folder=folder,
            keyring_backend=keyring_backend,
            ask_passphrase=lambda new: DEMO_PASSPHRASE,
            catalogue=catalogue,
            progress=progress,
            demo=True,
            cancel=cancel,
        )
    except BaseException:
        server.stop()
        raise
    server.complete_in_background()  # HR's later syncs pull the rest; the first had no wait
    session._on_close.append(server.stop)
    session.demo_role = role
    session.today = lambda: server.as_of
    return session


def _has_synced(store: Store) -> bool:
    from lcc_apr.models import SyncState

    with store.session() as s:
        state = s.get(SyncState, 1)
        return state is not None and state.last_success_at is not None
