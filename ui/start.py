"""From the welcome dialog to the main window and back (signing out): the app's loop.

main.py, the composition root, hands in how to sign in and how to build what the
window runs on; this module only shows the windows in turn.
"""

from __future__ import annotations

import functools
import gc
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .app import ensure_app
from .qt import QtCore, QtWidgets
from .settings import Settings
from .tasks import TaskRunner
from .theme import apply_appearance
from .welcome import CouncilOffered, CouncilSignIn, SignIn, WelcomeDialog

if TYPE_CHECKING:  # the core loads in the sign-in worker, after the first window shows
    from lcc_apr.launch import Session
    from lcc_apr.orgconfig import OrgSettings

    from .context import AppContext
    from .status import StatusBar

log = logging.getLogger(__name__)
MakeContext = Callable[["Session"], "AppContext"]
UpdateCall = Callable[[], Any]  # -> lcc_apr.updates.Release | None, run in a worker


def show_refusal(text: str) -> None:
    """The app cannot start (a wrong organisation file): say why in a plain message box."""
    ensure_app()
    box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, "LCC APR cannot start", text)
    box.setAccessibleName("LCC APR cannot start")
    box.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
    box.exec()


class UpdateCheck:
    """The organisation's update feed, checked once a run (a read task, never on the UI
    thread); a newer version shows in each main window's status bar. A feed refused
    (tampered, expired, rolled back) says so there too; an unreachable one is only logged."""

    def __init__(self, check: UpdateCall | None) -> None:
        self.check = check
        self.started = False
        self.release: Any = None

    def show_in(self, status: StatusBar, runner: TaskRunner) -> None:
        if self.check is None:
            return
        if self.started:
            status.show_update(self.release)
            return
        self.started = True
        check = self.check

        def done(release: Any) -> None:
            self.release = release
            status.show_update(release)

        def failed(error: BaseException) -> None:
            from lcc_apr.updates import FeedUnreachable  # loaded by the check itself

            if isinstance(error, FeedUnreachable):
                log.info("update feed not reached")
            else:
                status.message.setText(f"Checking for a newer version: {error}")

        runner.read(lambda _control: check(), on_done=done, on_error=failed, name="updates")


# Told the name of each window ("welcome", "main") once it is on screen; True: close it there
# (benchmarks and the frozen app's tests; main.py's LCC_APR_SHOWN).
OnShown = Callable[[str], bool]


def warm_up() -> None:
    """Load what the window, its pages' reads and the editor use while the sign-in shows (in
    its worker), so the first editor opens at full speed; then freeze it: full collections
    skip it (the window itself no longer loads the ops: without this they would load after
    the freeze)."""
    import lcc_apr.ops.editing  # noqa: F401
    import lcc_apr.ops.inbox  # noqa: F401  (the pages' reads: they load in their tasks)
    import lcc_apr.ops.mi  # noqa: F401
    import lcc_apr.ops.people  # noqa: F401
    import lcc_apr.ops.records  # noqa: F401
    import lcc_apr.ops.status  # noqa: F401
    import lcc_apr.pdf.printed_letters  # noqa: F401
    import lcc_apr.signing.signoff  # noqa: F401
    from lcc_apr.workdays import load_calendar

    from . import main_window, records, windows  # noqa: F401

    load_calendar()
    gc.freeze()


def run_app(
    *,
    sign_in: SignIn,
    make_context: MakeContext,
    demo_role: str | None = None,
    quit_after: float | None = None,
    organisation: OrgSettings | None = None,
    update_check: UpdateCall | None = None,
    council_sign_in: CouncilSignIn | None = None,
    council_offered: CouncilOffered | None = None,
    single_sign_on: bool = False,
    on_shown: OnShown | None = None,
    remove_demo: Callable[[], str] | None = None,
    demo_built: Callable[[], bool] | None = None,
) -> int:
    """Welcome (or straight back in, from the keyring), then the main window; signing out
    returns to the welcome. The organisation's settings (None: no organisation file) lock
    the server address and may leave the demo out. The welcome offers sign-in with the
    council account when `single_sign_on` says so or the server does (`council_offered`).
    Returns the exit code."""
    app = ensure_app()
    settings = Settings(organisation=organisation)
    offer_demo = organisation is None or organisation.offer_demo
    updates = UpdateCheck(update_check)
    while True:
        apply_appearance(  # the welcome too shows in the person's colours and text size
            app,
            theme=settings.get("appearance/theme"),
            text_scale=settings.get("appearance/text_scale"),
        )
        runner = TaskRunner()
        welcome = WelcomeDialog(
            runner=runner,
            sign_in=sign_in,
            server_url=settings.get("sync/server_url") or "",
            lock_server=settings.locked("sync/server_url"),
            offer_demo=offer_demo,
            council_sign_in=council_sign_in,
            council_offered=council_offered,
            single_sign_on=single_sign_on,
            remove_demo=remove_demo,
        )
        role = demo_role or settings.get("account/demo_role") or None  # refused when not offered
        if role and not demo_role and demo_built is not None and not demo_built():
            role = None  # the demo was removed (lcc-apr demo --remove): not built again unasked
        last_user = settings.get("account/username")
        if role:
            QtCore.QTimer.singleShot(0, functools.partial(welcome.start_demo, role))
        elif last_user and settings.get("sync/server_url"):
            url = settings.get("sync/server_url")
            QtCore.QTimer.singleShot(0, functools.partial(welcome.resume, url, last_user))
        if on_shown is not None:
            _when_shown(welcome, "welcome", on_shown)
        if welcome.exec() != QtWidgets.QDialog.DialogCode.Accepted or welcome.session is None:
            runner.shutdown()
            return 0
        session: Session = welcome.session
        remember(settings, session, welcome.role)
        code, signed_out = run_window(
            app, make_context(session), session, settings, runner, quit_after, updates, on_shown
        )
        if not signed_out or quit_after is not None:
            return code
        demo_role = None


def run_window(
    app: QtWidgets.QApplication,
    context: AppContext,
    session: Session,
    settings: Settings,
    runner: TaskRunner,
    quit_after: float | None,
    updates: UpdateCheck | None = None,
    on_shown: OnShown | None = None,
) -> tuple[int, bool]:
    """The main window until it closes: (exit code, whether the person signed out)."""
    from .app import build_window

    signed_out = False

    def sign_out_and_close() -> None:
        nonlocal signed_out
        sign_out(session, settings)
        signed_out = True
        window.close()

    window = build_window(context, settings=settings, runner=runner, sign_out=sign_out_and_close)
    window.show()
    if updates is not None:
        updates.show_in(window.status, runner)
    if session.first_sync is not None:
        window.status.note_outcome(session.first_sync)
    if quit_after is not None:
        QtCore.QTimer.singleShot(int(quit_after * 1000), window.close)
    if on_shown is not None:
        _when_shown(window, "main", on_shown)
    code = app.exec()
    runner.shutdown()
    session.close()
    return code, signed_out


def _when_shown(window: QtWidgets.QWidget, name: str, on_shown: OnShown) -> None:
    """on_shown(name) at the event loop's first turn with the window shown."""

    def shown() -> None:
        if on_shown(name):
            window.close()

    QtCore.QTimer.singleShot(0, shown)


def remember(settings: Settings, session: Session, role: str | None) -> None:
    """What the next start needs to come straight back in (no secret: the token is in the
    keyring)."""
    settings.set("account/demo_role", role or "")
    if not session.demo:
        settings.set("sync/server_url", session.connection.url)
        settings.set("account/username", session.connection.username or "")


def sign_out(session: Session, settings: Settings) -> None:
    """File > Sign out: forget the tokens (server and keyring) and who signed in last; the
    window then closes and the welcome shows again."""
    session.connection.logout()
    settings.set("account/username", "")
    settings.set("account/demo_role", "")
