"""Screenshots of issue 19's last parts, offscreen: the welfare contact form in the record
editor (built from resources/forms/welfare_contact/v1.toml, no screen of its own) and HR's
everyone page with the attendance columns. As test_screenshots: a temporary folder, or
docs/screenshots/ with LCC_APR_SCREENSHOTS=1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from lcc_apr.editing import EditSession
from lcc_apr.models import Employee, RecordKind, User
from lcc_apr.ops.absences import record_absence
from lcc_apr.ops.records import start_record
from tests.examples import EXAMPLES
from tests.test_editing import fill
from ui.app import build_window
from ui.qt import Qt
from ui.tasks import TaskRunner
from ui.team_attendance import KEEPING_IN_TOUCH, TITLES
from ui.theme import apply_appearance

from .conftest import AS_OF, HR, MANAGER, context_for, editor_window
from .test_hr_attendance import POLICY
from .test_screenshots import folder, picture  # noqa: F401 (the fixture)
from .test_screenshots_attendance import not_blank

AT = datetime(2026, 11, 30, 10, tzinfo=UTC)


def test_welfare_contact_form_screenshot(qtbot, qapp, demo_store_copy, runner, folder):  # noqa: F811
    apply_appearance(qapp, theme="light", text_scale=100)
    store = demo_store_copy
    context = context_for(store, MANAGER)
    with store.session() as s:
        me = s.scalars(select(User.employee_id).where(User.username == MANAGER)).one()
        report = s.scalars(select(Employee.id).where(Employee.line_manager_id == me)).first()
    record_id = start_record(
        store,
        user=context.user,
        kind=RecordKind.WELFARE_CONTACT,
        subject_id=report,
        catalogue=context.catalogue,
        policy=context.policy,
        today=AS_OF,
        at=AT,
    ).record_id
    actor = _actor(store, record_id, context)
    session = EditSession(store, record_id, actor=actor, catalogue=context.catalogue)
    example = dict(EXAMPLES["welfare_contact"])
    example.pop("employee_comments")
    example["meeting_date"] = AS_OF.isoformat()
    example["next_contact_date"] = (AS_OF + timedelta(weeks=2)).isoformat()
    fill(session, example)
    session.save(AT + timedelta(minutes=5))
    window = editor_window(context, runner, record_id)
    qtbot.addWidget(window)
    window.resize(1024, 900)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    image = picture(window, 1)
    assert image.save(str(folder / "welfare-contact-form.png"))
    assert not_blank(image)
    rows = window.editor.form.rows
    assert rows["contact_method"].input.inputs[0].accessibleName()
    assert window.editor.steps.buttons["share"].isEnabled()  # filled for sharing


def _actor(store, record_id, context):
    from lcc_apr.ops.records import actor_for

    with store.session() as s:
        return actor_for(s, record_id, user=context.user)


def test_hr_everyone_attendance_screenshot(qtbot, demo_store_copy, settings, folder):  # noqa: F811
    settings.set("appearance/theme", "light")
    context = context_for(demo_store_copy, HR)
    with demo_store_copy.session() as s:
        person = s.scalars(
            select(Employee.id).where(Employee.id != context.user.employee_id).order_by(Employee.id)
        ).all()[5]
    s_day = AS_OF - timedelta(days=45)
    with demo_store_copy.session() as s:
        s.execute(text("DELETE FROM absences WHERE employee_id = :p"), {"p": person})
    record_absence(
        demo_store_copy,
        user=context.user,
        employee_id=person,
        first_day=s_day,
        last_day=None,
        reason="mental_health",
        today=AS_OF,
        policy=POLICY,
    )
    window = build_window(context, settings=settings, runner=TaskRunner(inline=True))
    qtbot.addWidget(window)
    window.show_page("hr")
    window.resize(1700, 760)
    window.show()
    qtbot.waitExposed(window)
    page = window.pages["hr"]
    qtbot.waitUntil(lambda: not page.loading)
    column = [c.title for c in page.model.columns].index(TITLES[KEEPING_IN_TOUCH])
    page.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    qtbot.wait(50)
    image = window.grab().toImage()
    assert image.save(str(folder / "hr-everyone-attendance.png"))
    assert not_blank(image)
    assert page.model.index(0, column).data().startswith("Off (6 weeks)")
