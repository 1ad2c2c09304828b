"""The supervision form, version 2 (issue 19), in the editor: a social worker's session
shorter than HR's policy asks is pointed out under the length, and blocks nothing.
Written to docs/screenshots/supervision-v2.png with LCC_APR_SCREENSHOTS=1."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from lcc_apr.editing import EditSession
from lcc_apr.models import Employee, RecordKind, User
from lcc_apr.ops.records import actor_for, start_record
from tests.examples import REFERENCE_DATES, SUPERVISION_V2
from tests.test_editing import fill
from tests.ui.conftest import AS_OF, CATALOGUE, POLICY
from ui.theme import apply_appearance

from .conftest import context_for, editor_window
from .test_screenshots import folder, picture  # noqa: F401 (the fixture)

SIZE = (1024, 760)
TEAM_MANAGER = "awalker"  # Head of Service, Children's Social Care: 5 social workers (seed 2020)
AT = datetime(2026, 11, 30, 10, tzinfo=UTC)


def shifted(value: Any, by: timedelta) -> Any:
    """The example's dates moved by `by`, in entries too."""
    if isinstance(value, dict):
        return {k: shifted(v, by) for k, v in value.items()}
    if isinstance(value, list):
        return [shifted(v, by) for v in value]
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return (date.fromisoformat(value) + by).isoformat()
    return value


def social_worker_supervision(store, context) -> str:
    """A new supervision (version 2) for a social worker the demo manager manages, filled
    in as the example with a 60-minute session."""
    with store.session() as s:
        me = s.scalars(select(User).where(User.username == TEAM_MANAGER)).one()
        subject = s.scalars(
            select(Employee.id).where(
                Employee.line_manager_id == me.employee_id, Employee.job_title == "Social Worker"
            )
        ).first()
    assert subject is not None, "the demo manager manages no social worker"
    started = start_record(
        store,
        user=context.user,
        kind=RecordKind.SUPERVISION,
        subject_id=subject,
        catalogue=CATALOGUE,
        policy=POLICY,
        today=AS_OF,
        at=AT,
    )
    with store.session() as s:
        actor = actor_for(s, started.record_id, user=context.user)
    session = EditSession(store, started.record_id, actor=actor, catalogue=CATALOGUE)
    attendees = f"{session.subject_name} (social worker) and {session.manager_name} (manager)"
    answers = {
        **SUPERVISION_V2,
        "duration_minutes": 60,
        "social_work": "registered",
        "attendees": attendees,
    }
    moved = shifted(answers, AS_OF - REFERENCE_DATES["supervision"])  # to this record's date
    fill(session, {k: v for k, v in moved.items() if not k.startswith("asye")})
    assert session.problems() == []
    session.save(AT)
    return started.record_id


def test_supervision_v2_screenshot(qtbot, qapp, demo_store_copy, runner, folder):  # noqa: F811
    apply_appearance(qapp, theme="light", text_scale=100)
    store = demo_store_copy
    context = context_for(store, TEAM_MANAGER)
    record_id = social_worker_supervision(store, context)
    window = editor_window(context, runner, record_id)
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    editor = window.editor
    assert editor.session.template.version == 2
    row = editor.form.rows["duration_minutes"]
    qtbot.waitUntil(lambda: row.warning_text != "")
    assert row.warning_text.startswith("Warning: Shorter than the 90 minutes")
    assert row.message.text() == ""  # a warning, not a problem
    share = editor.steps.buttons["share"]
    assert share.isEnabled()  # it blocks nothing
    editor.show_field("duration_minutes")
    qtbot.wait(50)  # let pending layouts settle before drawing
    image = picture(window, 1)
    assert image.save(str(folder / "supervision-v2.png"))
    assert (image.width(), image.height()) == SIZE
