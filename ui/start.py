"""From the welcome dialog to the main window: what main.py calls to run the app."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .app import ensure_app
from .qt import QtCore, QtGui, QtWidgets
from .settings import Settings
from .tasks import TaskRunner
from .welcome import WelcomeDialog

if TYPE_CHECKING:  # the core loads in the sign-in worker, after the first window shows
    from lcc_apr.forms import Catalogue
    from lcc_apr.launch import Session

    from .context import AppContext, CurrentUser


def user_of(session: Session) -> CurrentUser:
    from lcc_apr.models import Role

    from .context import CurrentUser

    u = session.user
    roles = frozenset(Role(r) for r in u.get("roles", []))
    return CurrentUser(u["id"], u.get("display_name") or u["username"], roles, u.get("employee_id"))


def context_for(session: Session, catalogue: Catalogue) -> AppContext:
    from lcc_apr.policy import load_policy
    from lcc_apr.sync.engine import SyncEngine

    from .context import AppContext

    def engine(on_progress: Callable[[Any], None]) -> SyncEngine:
        return SyncEngine(
            session.store,
            session.connection,
            catalogue,
            on_progress=on_progress,
            signer=session.signer,
        )

    user = user_of(session)
    signer = session.signer

    def signing() -> tuple[Any, Any]:
        return signer.ready(session.connection), signer.trust()

    def printer_for(record_id: str) -> Any:
        from lcc_apr.pdf.records import printer_for as core_printer_for

        return core_printer_for(
            session.store,
            signer,
            session.connection,
            user_id=user.user_id,
            roles=user.roles,
            employee_id=user.employee_id,
            name=user.display_name,
            record_id=record_id,
        )

    return AppContext(
        store=session.store,
        catalogue=catalogue,
        policy=load_policy(),
        user=user,
        today=session.today,
        sync_engine_factory=engine,
        signing=signing if signer is not None else None,
        printer_for=printer_for if signer is not None else None,
    )


def wire_records(window: Any, context: AppContext, runner: TaskRunner) -> None:
    """Double-clicking a person opens their records; a record opens in the editor;
    File > New record starts one for someone in the team."""
    from sqlalchemy import select

    from lcc_apr.models import Employee

    from .records import EditorWindow, EmployeeRecords

    window.open_windows = []

    def keep(dialog: QtWidgets.QDialog) -> None:
        window.open_windows.append(dialog)
        dialog.finished.connect(lambda _r: window.open_windows.remove(dialog))
        dialog.show()

    def open_record(record_id: str) -> None:
        editor = EditorWindow(context, runner, record_id, window)
        editor.editor.saved.connect(lambda _id: window.records_changed())
        editor.editor.stepTaken.connect(lambda _id, _step: window.records_changed())
        keep(editor)

    def open_employee(employee_id: int) -> EmployeeRecords:
        records = EmployeeRecords(context, runner, employee_id, window)
        records.open_record.connect(open_record)
        keep(records)
        return records

    def new_record() -> None:
        me = context.user.employee_id
        with context.store.session() as s:
            team = (
                s.execute(
                    select(Employee.id, Employee.first_name, Employee.last_name)
                    .where(Employee.line_manager_id == me)
                    .order_by(Employee.last_name)
                ).all()
                if me
                else []
            )
        if not team:
            window.statusBar().showMessage("New records are started for people you manage.")
            return
        names = [f"{r.first_name} {r.last_name}" for r in team]
        name, ok = QtWidgets.QInputDialog.getItem(
            window, "New record", "For whom?", names, 0, False
        )
        if ok:
            open_employee(team[names.index(name)].id)

    def show_conflicts() -> None:
        from .conflicts import ConflictsList

        dialog = QtWidgets.QDialog(window)
        dialog.setWindowTitle("Changed on both sides")
        dialog.setAccessibleName("Records changed on both sides")
        layout = QtWidgets.QVBoxLayout(dialog)
        conflicts = ConflictsList(
            context.store,
            context.catalogue,
            runner=runner,
            user_id=context.user.user_id,
            parent=dialog,
        )
        conflicts.resolved.connect(lambda _id: window.records_changed())
        layout.addWidget(conflicts)
        dialog.resize(800, 400)
        keep(dialog)

    tools = _menu(window, "&Tools")
    resolve = QtGui.QAction("&Resolve changes made on both sides…", window)
    resolve.setStatusTip("Choose what to keep where a record changed here and on the server")
    resolve.triggered.connect(show_conflicts)
    tools.addAction(resolve)
    window.actions_by_name["conflicts"] = resolve
    window.open_employee.connect(open_employee)
    window.open_record.connect(open_record)
    action = window.actions_by_name["new"]
    action.setEnabled(context.user.is_manager)
    action.setStatusTip("Start a new record for someone you manage")
    action.triggered.connect(new_record)


def warm_up() -> None:
    """Load what the window and the editor use while the sign-in shows (in its worker), so
    the first editor opens at full speed; then freeze it: full collections skip it."""
    import lcc_apr.pdf.printed_letters  # noqa: F401
    import lcc_apr.signing.signoff  # noqa: F401

    from . import main_window, records  # noqa: F401

    gc.freeze()


@functools.cache
def templates() -> Catalogue:
    """The form templates, loaded once (first from the sign-in worker)."""
    from lcc_apr.forms import Catalogue

    return Catalogue.load()


def make_sign_in(folder: Path, catalogue: Catalogue | None = None, *, demo_size: int = 6087):
    """The welcome's sign-in, run in its worker: the core is imported there, so the first
    window shows before SQLAlchemy and the store have loaded."""

    def run(role, url, username, password, progress):
        from lcc_apr.launch import sign_in, sign_in_demo
        from lcc_apr.store import keys

        warm_up()

        backend = keys.secure_keyring()
        forms = catalogue or templates()
        if role is not None:
            return sign_in_demo(
                role,
                folder=folder,
                keyring_backend=backend,
                catalogue=forms,
                progress=progress,
                size=demo_size,
            )
        return sign_in(
            url=url,
            username=username,
            password=password,
            folder=folder,
            keyring_backend=backend,
            ask_passphrase=None,
            catalogue=forms,
            progress=progress,
        )

    return run


def run_app(
    folder: Path,
    *,
    demo_role: str | None = None,
    quit_after: float | None = None,
    demo_size: int = 6087,
) -> int:
    """Welcome (or straight back in, from the keyring), then the main window; signing out
    returns to the welcome. Returns the exit code."""
    app = ensure_app()
    settings = Settings()
    while True:
        runner = TaskRunner()
        welcome = WelcomeDialog(
            runner=runner,
            sign_in=make_sign_in(folder, demo_size=demo_size),
            server_url=settings.get("sync/server_url") or "",
        )
        role = demo_role or settings.get("account/demo_role") or None
        last_user = settings.get("account/username")
        if role:
            QtCore.QTimer.singleShot(0, functools.partial(welcome.start_demo, role))
        elif last_user and settings.get("sync/server_url"):
            url = settings.get("sync/server_url")
            QtCore.QTimer.singleShot(0, functools.partial(welcome.resume, url, last_user))
        if welcome.exec() != QtWidgets.QDialog.DialogCode.Accepted or welcome.session is None:
            runner.shutdown()
            return 0
        session: Session = welcome.session
        remember(settings, session, role)
        from .app import build_window

        context = context_for(session, templates())
        window = build_window(context, settings=settings, runner=runner)
        wire_records(window, context, runner)
        signed_out = add_sign_out(window, session, settings)
        window.show()
        if session.first_sync is not None:
            window.status.note_outcome(session.first_sync)
        if quit_after is not None:
            QtCore.QTimer.singleShot(int(quit_after * 1000), window.close)
        code = app.exec()
        runner.shutdown()
        session.close()
        if not signed_out() or quit_after is not None:
            return code
        demo_role = None


def remember(settings: Settings, session: Session, role: str | None) -> None:
    """What the next start needs to come straight back in (no secret: the token is in the
    keyring)."""
    settings.set("account/demo_role", role or "")
    if not session.demo:
        settings.set("sync/server_url", session.connection.url)
        settings.set("account/username", session.connection.username or "")


def add_sign_out(window: Any, session: Session, settings: Settings) -> Callable[[], bool]:
    """File > Sign out: forget the tokens (server and keyring) and go back to the welcome."""
    done = {"out": False}

    def sign_out() -> None:
        session.connection.logout()
        settings.set("account/username", "")
        settings.set("account/demo_role", "")
        done["out"] = True
        window.close()

    action = QtGui.QAction("Sign &out", window)
    action.setStatusTip("Sign out: this computer forgets your session; your records stay here")
    action.triggered.connect(sign_out)
    file_menu = _menu(window, "&File")
    file_menu.insertAction(window.actions_by_name["quit"], action)
    window.actions_by_name["sign_out"] = action
    return lambda: done["out"]


def _menu(window: Any, title: str) -> QtWidgets.QMenu:
    """One of the main window's menus, by its title."""
    return next(m for m in window.menuBar().findChildren(QtWidgets.QMenu) if m.title() == title)
