"""Screenshots of the record editor at 1,024 x 700 with text at 150%: the contents beside
the form, and the History tab. Written to docs/screenshots/ with LCC_APR_SCREENSHOTS=1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lcc_apr.editing import EditSession
from lcc_apr.models import Employee, Record, RecordKind, User
from tests.ui.conftest import CATALOGUE
from ui.qt import QtWidgets
from ui.theme import apply_appearance

from .conftest import MANAGER, context_for, editor_window
from .test_screenshots import folder, picture  # noqa: F401 (the fixture)

SIZE = (1024, 700)
SHOTS = [
    # file, text scale, tab
    ("editor-contents-150.png", 150, "form"),
    ("editor-history-150.png", 150, "history"),
    ("editor-contents.png", 100, "form"),
]
AT = datetime(2026, 11, 30, 10, tzinfo=UTC)


def shared_and_signed(store, record_id: str) -> None:
    """The manager fills the APR in and shares it; the employee responds and signs."""
    from lcc_apr.ops.records import actor_for
    from lcc_apr.ops.user import CurrentUser
    from tests.examples import LATEST
    from tests.test_editing import fill, move_on

    with store.session() as s:
        record = s.get(Record, record_id)
        employee = s.scalars(select(User).where(User.employee_id == record.subject_id)).one()
        manager = s.scalars(select(User).where(User.username == MANAGER)).one()
        steps = [(manager, "share", AT), (employee, "respond", AT + timedelta(hours=2))]
        steps.append((employee, "employee_sign", AT + timedelta(days=1)))
        actors = [
            (actor_for(s, record_id, user=CurrentUser.from_user(u)), n, t) for u, n, t in steps
        ]
    for actor, step, at in actors:
        session = EditSession(store, record_id, actor=actor, catalogue=CATALOGUE)
        fill(session, LATEST["apr"])
        for problem in session.problems():  # the example's dates, moved to this record's
            session.set(problem.path, (session.reference + timedelta(days=100)).isoformat())
        session.save(at - timedelta(minutes=5))
        move_on(session, step, at=at)


def team_apr(store, status: str) -> str:
    """An APR at `status` about someone the demo manager manages."""
    with store.session() as s:
        me = s.scalars(select(User).where(User.username == MANAGER)).one()
        team = select(Employee.id).where(Employee.line_manager_id == me.employee_id)
        return s.scalars(
            select(Record.id).where(
                Record.kind == RecordKind.APR,
                Record.status == status,
                Record.subject_id.in_(team),
                Record.deleted.is_(False),
            )
        ).first()


@pytest.mark.parametrize(("name", "scale", "tab"), SHOTS)
def test_editor_screenshot(qtbot, qapp, demo_store_copy, runner, folder, name, scale, tab):  # noqa: F811
    apply_appearance(qapp, theme="light", text_scale=scale)
    store = demo_store_copy
    record_id = team_apr(store, "draft")
    assert record_id is not None
    if tab == "history":
        shared_and_signed(store, record_id)
    window = editor_window(context_for(store, MANAGER), runner, record_id)
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    editor = window.editor
    qtbot.waitUntil(lambda: editor.history.rowCount() > 0)
    if tab == "history":
        editor.show_history()
    else:
        needed = next(
            i for i in range(editor.contents.count()) if "needed" in editor.contents.item(i).text()
        )
        editor.contents.setCurrentRow(needed)
        editor.contents.itemActivated.emit(editor.contents.item(needed))
    qtbot.wait(50)  # let pending layouts settle before drawing
    image = picture(window, 1)
    assert image.save(str(folder / name))
    assert (image.width(), image.height()) == SIZE
    # It fits: nothing wider than the window, and the form keeps most of the height.
    assert window.minimumSizeHint().width() <= SIZE[0]
    if tab == "form":  # the form keeps most of the height
        assert editor.form_page.height() > SIZE[1] / 2
    else:  # under a locked record's signatures and steps
        assert editor.history_page.height() > SIZE[1] / 3
    if tab == "history":
        texts = [editor.history.item(i, 2).text() for i in range(editor.history.rowCount())]
        assert any(t.startswith("Signed") for t in texts) and any("Share with" in t for t in texts)
    else:
        focused = QtWidgets.QApplication.focusWidget()
        assert focused is not None and editor.scroll_area.isAncestorOf(focused)


def test_apr_v2_screenshot(qtbot, qapp, demo_store_copy, runner, folder):  # noqa: F811
    """APR form v2 as the employee sees it while preparing: their self-assessment open to
    write, the manager's draft not theirs to change (docs/screenshots/apr-v2.png)."""
    from lcc_apr.ops.records import actor_for
    from lcc_apr.ops.user import CurrentUser

    apply_appearance(qapp, theme="light", text_scale=100)
    store = demo_store_copy
    record_id = team_apr(store, "draft")
    with store.session() as s:
        record = s.get(Record, record_id)
        assert record.template_version == 2
        manager = s.scalars(select(User).where(User.username == MANAGER)).one()
        employee = s.scalars(select(User).where(User.employee_id == record.subject_id)).one()
        boss = actor_for(s, record_id, user=CurrentUser.from_user(manager))
    EditSession(store, record_id, actor=boss, catalogue=CATALOGUE).take("prepare", at=AT)
    window = editor_window(context_for(store, employee.username), runner, record_id)
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    editor = window.editor
    session = editor.session
    assert session.status == "preparation" and session.may_edit("self_achievements")
    assert not session.may_edit("employee_comments") and not session.may_edit("meeting_date")
    editor.form.rows["self_achievements"].input.edit.setPlainText(
        "Covering the team's duty rota through the summer, and the new referral checklist."
    )
    own = next(
        i
        for i in range(editor.contents.count())
        if "self-assessment" in editor.contents.item(i).text()
    )
    editor.contents.setCurrentRow(own)
    editor.contents.itemActivated.emit(editor.contents.item(own))
    qtbot.wait(50)  # let pending layouts settle before drawing
    image = picture(window, 1)
    assert image.save(str(folder / "apr-v2.png"))
    assert (image.width(), image.height()) == SIZE
    steps = [b.text() for b in editor.steps.buttons.values()]
    assert any(text.startswith("Send my self-assessment to") for text in steps), steps
