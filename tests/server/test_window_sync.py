"""Through the window: work offline in the editor, then press Sync; the employee responds."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from lcc_apr.forms import Catalogue
from lcc_apr.launch import sign_in
from lcc_apr.models import Record, RecordKind
from lcc_apr.ops.editing import open_record
from main import make_context
from ui.app import build_window
from ui.qt import Qt
from ui.tasks import TaskRunner

from ..conftest import MemoryKeyring
from ..ui.conftest import isolated_qsettings  # noqa: F401  (autouse: settings in tmp)

CATALOGUE = Catalogue.load()


def open_window(qtbot, live_server, tmp_path, username):
    session = sign_in(
        url=live_server.url,
        username=username,
        password="demo",
        folder=tmp_path,
        keyring_backend=MemoryKeyring(),
        ask_passphrase=None,
        catalogue=CATALOGUE,
        demo=True,
    )
    runner = TaskRunner()
    context = make_context(session, CATALOGUE)
    window = build_window(context, runner=runner)
    qtbot.addWidget(window)
    return session, runner, context, window


def open_editor(qtbot, window, record_id):
    """As a double-click does: the record loads in a read task, then its editor opens."""
    before = len(window.windows.open)
    window.windows.open_record(record_id)
    qtbot.waitUntil(lambda: len(window.windows.open) > before, timeout=10_000)
    return window.windows.open[-1]


def press_sync(qtbot, window):
    with qtbot.waitSignal(window.status.synced, timeout=30_000) as result:
        qtbot.mouseClick(window.status.sync_button, Qt.MouseButton.LeftButton)
    return result.args[0]


def test_offline_work_in_the_editor_reaches_the_server_with_the_sync_button(
    qtbot, live_server, tmp_path
):
    manager = next(
        m
        for m in live_server.people.managers
        if any(
            r.status == "draft" and r.kind == RecordKind.SUPERVISION
            for u in live_server.people.reports(m)
            for r in live_server.records(subject_id=u.employee_id)
        )
    )
    session, runner, context, window = open_window(qtbot, live_server, tmp_path, manager.username)
    try:
        with session.store.session() as s:
            draft = s.scalars(
                select(Record).where(
                    Record.kind == RecordKind.SUPERVISION, Record.status == "draft"
                )
            ).first()
        editing = open_record(
            session.store, record_id=draft.id, user=context.user, catalogue=CATALOGUE
        )
        editing.set("workload", "Written on the train, no signal")
        editing.save(at=datetime.now(UTC))
        outcome = press_sync(qtbot, window)
        assert outcome.result.sent == 1 and outcome.changes.synced
        assert live_server.records(id=draft.id)[0].answers["workload"].startswith("Written on")
        assert "Sent 1" in window.status.message.text()
    finally:
        window.close()
        runner.shutdown()
        session.close()


def test_the_employee_responds_through_the_editor_and_the_manager_sees_it(
    qtbot, live_server, tmp_path
):
    shared = next(r for r in live_server.records(kind=RecordKind.APR, status="shared"))
    employee = live_server.people.by_employee(shared.subject_id)
    session, runner, context, window = open_window(
        qtbot, live_server, tmp_path / "e", employee.username
    )
    try:
        editor = open_editor(qtbot, window, shared.id)
        edit = editor.session
        edit.set("employee_response", "agree")
        edit.set("employee_comments", "Thank you, a fair summary of my year.")
        edit.save(at=datetime.now(UTC))
        edit.take("respond", at=datetime.now(UTC))
        editor.close()
        press_sync(qtbot, window)
        stored = live_server.records(id=shared.id)[0]
        assert stored.status == "responded"
        assert stored.answers["employee_comments"].startswith("Thank you")
    finally:
        window.close()
        runner.shutdown()
        session.close()


def test_the_employee_signs_in_the_editor_and_the_manager_prints_a_signed_copy(
    qtbot, live_server, tmp_path
):
    from sqlalchemy.orm import selectinload

    responded = next(r for r in live_server.records(kind=RecordKind.APR, status="responded"))
    employee = live_server.people.by_employee(responded.subject_id)
    session, runner, context, window = open_window(
        qtbot, live_server, tmp_path / "e", employee.username
    )
    try:
        editor = open_editor(qtbot, window, responded.id)
        editor.editor._ask_signature = lambda _parent, _option, _name: ("agree", "")
        with qtbot.waitSignal(editor.editor.stepTaken, timeout=30_000):
            editor.editor.steps.buttons["employee_sign"].click()
        signatures = editor.editor.signatures  # checked in a read task after the step
        qtbot.waitUntil(lambda: signatures.text().startswith("Signatures:\nValid"), timeout=10_000)
        editor.close()
        press_sync(qtbot, window)
    finally:
        window.close()
        runner.shutdown()
        session.close()
    with live_server.session() as s:
        stored = s.scalars(
            select(Record).options(selectinload(Record.sign_offs)).filter_by(id=responded.id)
        ).one()
        assert stored.status == "employee_signed"
        (signed,) = stored.sign_offs
        assert signed.signature and signed.certificate and signed.decision == "agree"

    manager = next(
        m
        for m in live_server.people.managers
        if any(u.employee_id == employee.employee_id for u in live_server.people.reports(m))
    )
    session, runner, context, window = open_window(
        qtbot, live_server, tmp_path / "m", manager.username
    )
    try:
        editor = open_editor(qtbot, window, responded.id)
        signatures = editor.editor.signatures  # checked in a read task after the step
        qtbot.waitUntil(lambda: signatures.text().startswith("Signatures:\nValid"), timeout=10_000)
        editor.print_button.click()
        qtbot.waitUntil(lambda: editor.preview is not None, timeout=30_000)
        assert editor.preview.check.text().startswith(f"Signed by {context.user.display_name}")
        assert "not been changed" in editor.preview.check.text()
    finally:
        window.close()
        runner.shutdown()
        session.close()
