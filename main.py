"""LCC APR: the composition root.

`python main.py` (and the `lcc-apr` script) opens the app: the welcome screen (your
organisation's server, or the demo), then the main window. `python main.py
demo|summary|check` are the core's commands. Everything the app runs on is built
here and handed in: the data folder, the keyring, the form templates, the embedded
demo server, the signed-in session and what the window runs on. Nothing else
builds them, and there are no globals.

Imports of the core happen inside the functions: the first window shows before
SQLAlchemy and the store have loaded (the sign-in runs in the welcome's worker).
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcc_apr import cli
from lcc_apr.paths import data_dir

if TYPE_CHECKING:
    from lcc_apr.forms import Catalogue
    from lcc_apr.launch import DemoServer, Session
    from lcc_apr.ops.inbox_items import Inbox
    from lcc_apr.ops.opening import LaterSession
    from lcc_apr.orgconfig import OrgSettings
    from lcc_apr.store import Store
    from lcc_apr.sync.engine import SyncEngine
    from lcc_apr.updates import Release
    from ui.context import AppContext
    from ui.start import LaterStart


def main(argv: Sequence[str] | None = None) -> int:
    args = cli.parser().parse_args(argv)
    if getattr(args, "func", cli.cmd_run) is not cli.cmd_run:
        return cli.main(argv, demo_server=demo_server)
    if _no_display():
        print(
            "lcc-apr: no display found, so the window cannot open. Run it on a desktop, "
            "under xvfb-run, or with QT_QPA_PLATFORM=offscreen; `lcc-apr demo`, `summary` "
            "and `check` work without one.",
            file=sys.stderr,
        )
        return cli.EXIT_PROBLEM
    try:
        organisation = organisation_settings()
    except ValueError as err:  # OrgConfigError: the file, the key and the fix
        print(f"lcc-apr: {err}", file=sys.stderr)
        if _has_screen():
            from ui.start import show_refusal

            show_refusal(str(err))
        return cli.EXIT_PROBLEM
    from ui.start import run_app

    folder = data_dir()
    try:
        return run_app(
            sign_in=make_sign_in(folder, organisation=organisation),
            make_context=make_context,
            demo_role=getattr(args, "demo", None),
            quit_after=getattr(args, "quit_after", None),
            organisation=organisation,
            update_check=make_update_check(organisation, folder),
            council_sign_in=make_council_sign_in(folder, organisation=organisation),
            council_offered=functools.partial(council_offered, organisation=organisation),
            # organisation.toml's `sign_in = "single-sign-on"` shows the council-account
            # button before the server is asked
            single_sign_on=organisation is not None and organisation.sign_in == "single-sign-on",
            on_shown=_shown_probe(),
            remove_demo=functools.partial(remove_demo_data, folder),
            demo_built=functools.partial(demo_built, folder),
            later_start=make_later_start(folder, organisation=organisation),
        )
    except KeyboardInterrupt:
        return cli.EXIT_INTERRUPTED


def _shown_probe() -> Callable[[str], bool] | None:
    """LCC_APR_SHOWN=print: a line `shown: welcome` or `shown: main` on stdout as each window
    first shows; LCC_APR_SHOWN=quit: the same, then quit at the first (bench/bundle.py,
    tests/test_bundle.py). Unset: None."""
    mode = os.environ.get("LCC_APR_SHOWN")
    if mode not in ("print", "quit"):
        return None

    def shown(name: str) -> bool:
        print(f"shown: {name}", flush=True)
        return mode == "quit"

    return shown


def _no_display() -> bool:
    """On Linux, Qt aborts the process when it finds no screen: say so plainly instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _has_screen() -> bool:
    """Whether a message box can be seen (not offscreen, not a Linux without a display)."""
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    return not _no_display()


def organisation_settings() -> OrgSettings | None:
    """organisation.toml (lcc_apr.orgconfig), read once; None when there is none (pydantic
    then stays unloaded: a faster start). OrgConfigError when it cannot be used."""
    from lcc_apr.paths import organisation_file

    path = organisation_file()
    if path is None:
        return None
    from lcc_apr.orgconfig import load_organisation

    return load_organisation(path)


def make_update_check(
    organisation: OrgSettings | None, folder: Path
) -> Callable[[], Release | None] | None:
    """The start-up check of the organisation's update feed, run in a worker: the newer
    release, or None (lcc_apr.updates). None when the organisation names no feed."""
    if organisation is None or organisation.update_feed is None:
        return None
    feed, root = organisation.update_feed, organisation.update_root
    assert root is not None  # the loader sets it beside the file when not named

    def check() -> Release | None:
        from lcc_apr import __version__
        from lcc_apr.sync.network import Network
        from lcc_apr.updates import check_for_update

        return check_for_update(
            feed, __version__, folder / "updates", root=root, network=Network.of(organisation)
        )

    return check


@functools.cache
def templates() -> Catalogue:
    """The form templates, loaded once (first from the sign-in worker)."""
    from lcc_apr.forms import Catalogue

    return Catalogue.load()


def demo_server(folder: Path, size: int) -> DemoServer:
    """The demo organisation's server, run inside the app on 127.0.0.1."""
    from lcc_apr.server.embedded import EmbeddedServer

    return EmbeddedServer(folder, size=size)


def demo_built(folder: Path) -> bool:
    """Whether the demo is built: a remembered demo sign-in is not replayed after
    `lcc-apr demo --remove` (the welcome shows instead)."""
    from lcc_apr.demo.remove import demo_built as built

    return built(folder)


def remove_demo_data(folder: Path) -> str:
    """The welcome's "Remove the demo data...", run in its worker: every demo file and its
    keyring entries deleted (lcc_apr.demo.remove); what was done, in words. DemoInUse
    when another window of the app has the demo open."""
    from lcc_apr.demo.remove import remove_demo
    from lcc_apr.store import keys

    return remove_demo(folder, keyring_backend=keys.secure_keyring()).words()


def make_sign_in(
    folder: Path,
    catalogue: Catalogue | None = None,
    *,
    demo_size: int = 6087,
    organisation: OrgSettings | None = None,
) -> Callable[..., Session]:
    """The welcome's sign-in, run in its worker: (role, url, username, password, progress,
    cancel, ask_passphrase) -> a signed-in, synced Session (the demo's when role is given).
    Setting the cancel event (quitting) stops it at the next page; without a usable
    keyring, the store and the signing key are locked with a passphrase the welcome asks
    the person for (ask_passphrase). The organisation's server is reached with its
    certificates, pins and proxy (the demo, on this computer, directly)."""

    def run(
        role: str | None,
        url: str,
        username: str,
        password: str | None,
        progress: Any,
        cancel: threading.Event | None = None,
        ask_passphrase: Callable[[bool], str] | None = None,
    ) -> Session:
        from lcc_apr.launch import sign_in, sign_in_demo
        from lcc_apr.store import keys
        from lcc_apr.sync.network import Network
        from ui.start import warm_up

        warm_up()
        progress = echoed(progress)
        backend = keys.secure_keyring()
        forms = catalogue or templates()
        if role is not None:
            return sign_in_demo(
                role,
                demo_server=demo_server,
                folder=folder,
                keyring_backend=backend,
                catalogue=forms,
                progress=progress,
                size=demo_size,
                cancel=cancel,
            )
        return sign_in(
            url=url,
            username=username,
            password=password,
            folder=folder,
            keyring_backend=backend,
            ask_passphrase=ask_passphrase,
            catalogue=forms,
            progress=progress,
            cancel=cancel,
            network=Network.of(organisation),
        )

    return run


def make_later_start(
    folder: Path, catalogue: Catalogue | None = None, *, organisation: OrgSettings | None = None
) -> LaterStart:
    """A later start straight to the main window (ui.start.run_app): (url, username, the
    user kept from the last start, ask_passphrase) -> the session, the window's context on
    it, the opener of its cache (run on the window's writer once the window shows) and the
    maker of the rest (once the first page has shown). Nothing but the settings and the
    policy is read before the window shows: the keyring, the cache and the core load in
    the opener; the window then syncs in the background."""

    def start(
        url: str, username: str, user: dict[str, Any], ask_passphrase: Callable[[bool], str]
    ) -> tuple[
        LaterSession,
        AppContext,
        Callable[[Callable[[Inbox], object]], Store],
        Callable[[Store], Session],
    ]:
        from lcc_apr.forms import Catalogue
        from lcc_apr.ops.opening import LaterSession

        forms = catalogue or Catalogue.later()  # read by the first worker to need them
        later = LaterSession(user)

        def opener(glimpse: Callable[[Inbox], object]) -> Store:
            from lcc_apr.launch import cache_path, open_cache
            from lcc_apr.ops.glance import first_look
            from lcc_apr.store import keys

            backend = keys.secure_keyring()
            path, today = cache_path(folder, url, username), later.today()
            seen = first_look(path, keyring_backend=backend, user_id=user["id"], today=today)
            if seen is not None:  # the first page as it last showed, while the store opens
                glimpse(seen)
            return open_cache(
                url=url,
                username=username,
                folder=folder,
                keyring_backend=backend,
                ask_passphrase=ask_passphrase,
            )

        def maker(store: Store) -> Session:
            from lcc_apr.launch import session_on
            from lcc_apr.store import keys
            from lcc_apr.sync.network import Network
            from ui.start import warm_up

            warm_up()
            return session_on(
                store,
                url=url,
                username=username,
                keyring_backend=keys.secure_keyring(),
                ask_passphrase=ask_passphrase,
                catalogue=forms,
                network=Network.of(organisation),
            )

        return later, make_context(later, forms), opener, maker

    return start


def echoed(progress: Callable[[Any], None]) -> Callable[[Any], None]:
    """The window's progress, also printed on stderr (a line every 2 s at most per stage):
    someone who started the app from a terminal sees the demo build and the first sync."""
    from lcc_apr.progress import Echo

    def write(line: str) -> None:
        try:
            sys.stderr.write(line)
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):  # no terminal (pythonw, a closed pipe)
            pass

    echo = Echo(write)

    def both(step: Any) -> None:
        echo(step)
        progress(step)

    return both


def make_council_sign_in(
    folder: Path, catalogue: Catalogue | None = None, *, organisation: OrgSettings | None = None
) -> Callable[..., Session]:
    """The welcome's single sign-on, run in its worker: (url, progress, cancel,
    ask_passphrase) -> a signed-in, synced Session. The council's sign-in page opens in
    the system browser; setting the cancel event (Cancel, quitting) stops the wait."""

    def run(
        url: str,
        progress: Any,
        cancel: threading.Event | None = None,
        ask_passphrase: Callable[[bool], str] | None = None,
    ) -> Session:
        from lcc_apr.launch import sign_in_with_council_account
        from lcc_apr.store import keys
        from lcc_apr.sync.network import Network
        from ui.start import warm_up

        warm_up()
        progress = echoed(progress)
        return sign_in_with_council_account(
            url=url,
            folder=folder,
            keyring_backend=keys.secure_keyring(),
            ask_passphrase=ask_passphrase,
            catalogue=catalogue or templates(),
            progress=progress,
            cancel=cancel,
            network=Network.of(organisation),
        )

    return run


def council_offered(url: str, organisation: OrgSettings | None = None) -> bool:
    """Whether the server at `url` offers sign-in with the council account (a worker asks)."""
    from lcc_apr.launch import council_sign_in_offered
    from lcc_apr.sync.network import Network

    return council_sign_in_offered(url, network=Network.of(organisation))


def make_context(session: Session | LaterSession, catalogue: Catalogue | None = None) -> AppContext:
    """What the window runs on, for the signed-in session: the store, the templates, the
    policy, the person, the sync, signing and printing."""
    from lcc_apr.demo_people import demo_title
    from lcc_apr.ops.user import CurrentUser
    from lcc_apr.policy import load_policy
    from ui.context import AppContext

    forms = catalogue or templates()
    user = CurrentUser.from_server(session.user)
    signer = session.signer

    def engine(on_progress: Callable[[Any], None]) -> SyncEngine:
        from lcc_apr.sync.engine import SyncEngine  # in the sync's worker: not before the window

        return SyncEngine(
            session.store, session.connection, forms, on_progress=on_progress, signer=signer
        )

    def signing() -> tuple[Any, Any]:
        assert signer is not None
        return signer.ready(session.connection), signer.trust()

    def org_importer() -> Any:
        from lcc_apr.ops.org_import import OrgImporter

        return OrgImporter(session.connection)

    def retention_desk() -> Any:
        from lcc_apr.ops.retention import RetentionDesk

        return RetentionDesk(session.connection)

    def printer_for(record_id: str) -> Any:
        from lcc_apr.ops.printing import printer_for as core_printer_for

        return core_printer_for(
            session.store, signer, session.connection, user=user, record_id=record_id
        )

    return AppContext(
        store=session.store,
        catalogue=forms,
        policy=load_policy(),
        user=user,
        today=session.today,
        sync_engine_factory=engine,
        signing=signing if signer is not None else None,
        printer_for=printer_for if signer is not None else None,
        demo_title=demo_title(session.demo_role) if session.demo else None,
        org_importer=org_importer() if user.is_hr else None,
        retention_desk=retention_desk() if user.is_hr else None,
        hr_connection=session.connection if user.is_hr else None,
    )


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()  # the frozen app's spawned processes (demo, PDF pool)
    sys.exit(main(sys.argv[1:]))
