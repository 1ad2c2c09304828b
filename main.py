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
    from ui.context import AppContext


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
    from ui.start import run_app

    try:
        return run_app(
            sign_in=make_sign_in(data_dir()),
            make_context=make_context,
            demo_role=getattr(args, "demo", None),
            quit_after=getattr(args, "quit_after", None),
            on_shown=_shown_probe(),
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


@functools.cache
def templates() -> Catalogue:
    """The form templates, loaded once (first from the sign-in worker)."""
    from lcc_apr.forms import Catalogue

    return Catalogue.load()


def demo_server(folder: Path, size: int) -> DemoServer:
    """The demo organisation's server, run inside the app on 127.0.0.1."""
    from lcc_apr.server.embedded import EmbeddedServer

    return EmbeddedServer(folder, size=size)


def make_sign_in(
    folder: Path, catalogue: Catalogue | None = None, *, demo_size: int = 6087
) -> Callable[..., Session]:
    """The welcome's sign-in, run in its worker: (role, url, username, password, progress,
    cancel, ask_passphrase) -> a signed-in, synced Session (the demo's when role is given).
    Setting the cancel event (quitting) stops it at the next page; without a usable
    keyring, the store and the signing key are locked with a passphrase the welcome asks
    the person for (ask_passphrase)."""

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
        from ui.start import warm_up

        warm_up()
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
        )

    return run


def make_context(session: Session, catalogue: Catalogue | None = None) -> AppContext:
    """What the window runs on, for the signed-in session: the store, the templates, the
    policy, the person, the sync, signing and printing."""
    from lcc_apr.demo_people import demo_title
    from lcc_apr.ops.user import CurrentUser
    from lcc_apr.policy import load_policy
    from lcc_apr.sync.engine import SyncEngine
    from ui.context import AppContext

    forms = catalogue or templates()
    user = CurrentUser.from_server(session.user)
    signer = session.signer

    def engine(on_progress: Callable[[Any], None]) -> SyncEngine:
        return SyncEngine(
            session.store, session.connection, forms, on_progress=on_progress, signer=signer
        )

    def signing() -> tuple[Any, Any]:
        assert signer is not None
        return signer.ready(session.connection), signer.trust()

    def org_importer() -> Any:
        from lcc_apr.ops.org_import import OrgImporter

        return OrgImporter(session.connection)

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
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
