"""From the welcome dialog to the main window and back (signing out): the app's loop.

main.py, the composition root, hands in how to sign in and how to build what the
window runs on; this module only shows the windows in turn.
"""

from __future__ import annotations

import functools
import gc
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .app import ensure_app
from .qt import QtCore, QtWidgets
from .settings import Settings
from .tasks import TaskRunner
from .theme import apply_appearance

if TYPE_CHECKING:  # the core loads in the sign-in worker, after the first window shows
    from lcc_apr.launch import Session
    from lcc_apr.ops.opening import LaterSession
    from lcc_apr.orgconfig import OrgSettings

    from .context import AppContext
    from .status import StatusBar
    from .welcome import AskPassphrase, CouncilOffered, CouncilSignIn, SignIn

MakeContext = Callable[["Session"], "AppContext"]
# A later start straight to the main window (main.make_later_start): (server URL, username,
# the user kept from the last start, ask_passphrase) -> the session still to be opened, the
# window's context on it, the opener of its cache (run on the window's writer once it
# shows; given a callback for the first page's list as it last showed, lcc_apr.ops.glance)
# and the maker of the rest of the session (run once the first page has shown).
LaterOpener = Callable[[Callable[[Any], object]], Any]
LaterStart = Callable[
    [str, str, dict[str, Any], "AskPassphrase"],
    tuple["LaterSession", "AppContext", LaterOpener, Callable[[Any], Any]],
]
USER_KEYS = ("id", "username", "display_name", "roles", "employee_id")
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
                import logging  # loaded when there is something to log

                logging.getLogger(__name__).info("update feed not reached")
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
    later_start: LaterStart | None = None,
) -> int:
    """Welcome (or straight back in: the main window at once when `later_start` can open
    the last person's session, else the welcome signs in from the keyring), then the main
    window; signing out returns to the welcome. The organisation's settings (None: no
    organisation file) lock the server address and may leave the demo out. The welcome
    offers sign-in with the council account when `single_sign_on` says so or the server
    does (`council_offered`). Returns the exit code."""
    app = ensure_app()
    settings = Settings(organisation=organisation)
    offer_demo = organisation is None or organisation.offer_demo
    updates = UpdateCheck(update_check)
    message, resume = "", True  # what the welcome says; whether it signs in from the keyring
    while True:
        apply_appearance(  # the welcome too shows in the person's colours and text size
            app,
            theme=settings.get("appearance/theme"),
            text_scale=settings.get("appearance/text_scale"),
        )
        runner = TaskRunner()
        role = demo_role or settings.get("account/demo_role") or None  # refused when not offered
        if role and not demo_role and demo_built is not None and not demo_built():
            role = None  # the demo was removed (lcc-apr demo --remove): not built again unasked
        last_user, url = settings.get("account/username"), settings.get("sync/server_url")
        known = last_known(settings) if resume and not role and later_start else None
        if known is not None and later_start is not None:
            from .passphrase import PassphraseAsker

            later, context, opener, maker = later_start(url, last_user, known, PassphraseAsker())
            code, back = run_window(
                app,
                context,
                later,
                settings,
                runner,
                quit_after,
                updates,
                on_shown,
                (opener, maker),
            )
        else:
            from .welcome import WelcomeDialog

            welcome = WelcomeDialog(
                runner=runner,
                sign_in=sign_in,
                server_url=url or "",
                username=last_user if not resume else "",
                lock_server=settings.locked("sync/server_url"),
                offer_demo=offer_demo,
                council_sign_in=council_sign_in,
                council_offered=council_offered,
                single_sign_on=single_sign_on,
                remove_demo=remove_demo,
            )
            if role:
                QtCore.QTimer.singleShot(0, functools.partial(welcome.start_demo, role))
            elif last_user and url and resume:
                QtCore.QTimer.singleShot(0, functools.partial(welcome.resume, url, last_user))
            elif message:
                welcome.show_message(message)
            if on_shown is not None:
                _when_shown(welcome, "welcome", on_shown)
            if welcome.exec() != QtWidgets.QDialog.DialogCode.Accepted or welcome.session is None:
                runner.shutdown()
                return 0
            session: Session = welcome.session
            remember(settings, session, welcome.role)
            code, back = run_window(
                app, make_context(session), session, settings, runner, quit_after, updates, on_shown
            )
        if back is None or quit_after is not None:
            return code
        demo_role, message, resume = None, back, False


def last_known(settings: Settings) -> dict[str, Any] | None:
    """Who signed in last, kept by `remember` (a server's account, not the demo's), or None."""
    if not settings.get("account/username") or not settings.get("sync/server_url"):
        return None
    try:
        user = json.loads(settings.get("account/user") or "null")
    except ValueError:
        return None
    if not isinstance(user, dict) or set(user) != set(USER_KEYS):
        return None
    return user if user["username"] == settings.get("account/username") else None


def run_window(
    app: QtWidgets.QApplication,
    context: AppContext,
    session: Session | LaterSession,
    settings: Settings,
    runner: TaskRunner,
    quit_after: float | None,
    updates: UpdateCheck | None = None,
    on_shown: OnShown | None = None,
    later: tuple[LaterOpener, Callable[[Any], Any]] | None = None,
) -> tuple[int, str | None]:
    """The main window until it closes: (exit code, None; or what the welcome says when the
    person goes back to it: "" after signing out). `later`: a later start's opener and
    maker (see LaterStart), which open `session` once the window shows, then it syncs in
    the background; if its cache cannot be opened, or the server no longer knows its
    sign-in, the person is taken back to the welcome (nothing unsent is lost: it stays in
    the cache)."""
    from .app import build_window

    back: str | None = None

    def sign_out_and_close() -> None:
        nonlocal back
        sign_out(session, settings)
        back = ""
        window.close()

    def back_to_welcome(words: str) -> None:
        nonlocal back
        back = words
        window.close()

    window = build_window(context, settings=settings, runner=runner, sign_out=sign_out_and_close)
    window.show()
    if updates is not None:
        updates.show_in(window.status, runner)
    if session.first_sync is not None:
        window.status.note_outcome(session.first_sync)
    if later is not None:
        _open_later(window, session, later, settings, back_to_welcome)
    if quit_after is not None:
        QtCore.QTimer.singleShot(int(quit_after * 1000), window.close)
    if on_shown is not None:
        _when_shown(window, "main", on_shown)
    code = app.exec()
    runner.shutdown()
    session.close()
    return code, back


FIRST_READS_PATIENCE = 3.0  # s: the rest of the session waits this long at most for the pages


def _open_later(
    window: Any,
    session: Any,
    steps: tuple[LaterOpener, Callable[[Any], Any]],
    settings: Settings,
    back_to_welcome: Callable[[str], None],
) -> None:
    """A later start's cache opened once the window shows; once the pages have read it
    (the interpreter is theirs meanwhile), the rest of the session is made and its sync
    started. A cache that cannot be opened, a sign-in the server refuses or an account
    disabled (the sync has emptied this cache) go back to the welcome, saying why."""
    from .app import open_once_shown

    opener, maker = steps
    waited = 0.0

    def opened(_store: Any) -> None:
        nonlocal waited
        reading = any(t.kind == "read" for t in window.runner.active())
        if reading and waited < FIRST_READS_PATIENCE and not window.runner.closed:
            waited += 0.05
            QtCore.QTimer.singleShot(50, lambda: opened(None))
            return
        if not window.runner.closed:
            window.runner.write(
                lambda _control: session.connect(maker),
                on_done=connected,
                on_error=failed,
                name="connect",
            )

    def connected(_session: Any) -> None:
        window.status.synced.connect(first_synced)
        window.status.start_sync(automatic=True)

    def failed(error: BaseException) -> None:
        from lcc_apr.ops.words import error_words

        back_to_welcome(error_words(error, doing="Opening your records"))

    def first_synced(outcome: Any) -> None:
        from lcc_apr.sync.errors import AccountDisabled, AuthError

        window.status.synced.disconnect(first_synced)
        if isinstance(outcome, AuthError | AccountDisabled):
            settings.set("account/user", "")  # the next start: the welcome, not this again
            back_to_welcome(f"{outcome} Your records on this computer are kept.")
        elif not isinstance(outcome, Exception) and session.connection.user is not None:
            keep_user(settings, session.connection.user.model_dump())

    open_once_shown(
        window,
        session,
        opener,
        on_done=opened,
        on_error=failed,
        on_glimpse=window.glimpse,  # the first page as it last showed, while the cache opens
    )


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
        if session.connection.tokens.backend is not None:  # the next start can sign in alone
            keep_user(settings, session.user)
        else:  # no keyring: the refresh token went with the app, the welcome asks again
            settings.set("account/user", "")


def keep_user(settings: Settings, user: dict[str, Any]) -> None:
    """Who signed in (name, roles), for the next start to build the window at once."""
    if set(USER_KEYS) <= set(user):
        settings.set("account/user", json.dumps({k: user[k] for k in USER_KEYS}))


def sign_out(session: Session | LaterSession, settings: Settings) -> None:
    """File > Sign out: forget the tokens (server and keyring) and who signed in last; the
    window then closes and the welcome shows again. A later start's session still opening
    is waited for (under a second); one that could not open has no tokens in use."""
    from lcc_apr.ops.opening import Opening

    connection = session.connection
    if not isinstance(connection, Opening) or (connection.done.wait(10) and connection.is_open):
        connection.logout()
    settings.set("account/username", "")
    settings.set("account/user", "")
    settings.set("account/demo_role", "")
