"""Needs my action, with a real server: the manager shares an APR and syncs; the employee
syncs and finds it waiting; they respond and sign and sync; the manager syncs and finds
the countersignature waiting. Each sync that brings an item brings a notice (a count)."""

from __future__ import annotations

from datetime import UTC, datetime

from lcc_apr.models import RecordKind
from lcc_apr.ops.editing import open_record
from tests.examples import LATEST
from tests.test_editing import fill

from ..ui.conftest import isolated_qsettings  # noqa: F401  (autouse: settings in tmp)
from .test_window_sync import CATALOGUE, open_editor, open_window, press_sync


def waiting(window) -> list[tuple[str, str | None]]:
    return [(i.text, i.record_id) for i in window.pages["inbox"].items()]


def test_needs_my_action_lists_a_shared_apr_for_the_employee_and_the_countersign_for_the_manager(
    qtbot, live_server, tmp_path
):
    people = live_server.people
    draft = next(
        r
        for r in live_server.records(kind=RecordKind.APR, status="draft")
        if people.by_employee(r.subject_id).username in {e.username for e in people.employees}
    )
    employee = people.by_employee(draft.subject_id)
    manager = people.manager_of(draft.subject_id)
    opened = []
    try:
        e_session, e_runner, _e, e_window = open_window(
            qtbot, live_server, tmp_path / "e", employee.username
        )
        opened.append((e_window, e_runner, e_session))
        e_notices: list[int] = []
        e_window.notifier = e_notices.append
        qtbot.waitUntil(lambda: e_window.pages["inbox"].inbox is not None, timeout=10_000)
        assert (
            "Respond to and sign your Annual Performance Review",
            draft.id,
        ) not in waiting(e_window)  # a draft is not shared yet

        m_session, m_runner, m_context, m_window = open_window(
            qtbot, live_server, tmp_path / "m", manager.username
        )
        opened.append((m_window, m_runner, m_session))
        m_notices: list[int] = []
        m_window.notifier = m_notices.append
        sharing = open_record(
            m_session.store, record_id=draft.id, user=m_context.user, catalogue=CATALOGUE
        )
        fill(sharing, LATEST["apr"])
        sharing.set("meeting_date", draft.record_date.isoformat())
        sharing.save(at=datetime.now(UTC))
        sharing.take("share", at=datetime.now(UTC))
        press_sync(qtbot, m_window)
        assert live_server.records(id=draft.id)[0].status == "shared"

        press_sync(qtbot, e_window)
        wanted = ("Respond to and sign your Annual Performance Review", draft.id)
        qtbot.waitUntil(lambda: wanted in waiting(e_window), timeout=10_000)
        assert e_notices == [1]
        assert e_window.nav.item(0).text().startswith("Needs my action (")

        e_window.pages["inbox"].tree.setFocus()
        editor = open_editor(qtbot, e_window, draft.id)
        edit = editor.session
        edit.set("employee_response", "agree")
        edit.set("employee_comments", "A fair summary of my year.")
        edit.save(at=datetime.now(UTC))
        edit.take("respond", at=datetime.now(UTC))
        editor.close()
        editor = open_editor(qtbot, e_window, draft.id)
        editor.editor._ask_signature = lambda _parent, _option, _name: ("agree", "")
        with qtbot.waitSignal(editor.editor.stepTaken, timeout=30_000):
            editor.editor.steps.buttons["employee_sign"].click()
        editor.close()
        press_sync(qtbot, e_window)
        assert live_server.records(id=draft.id)[0].status == "employee_signed"
        qtbot.waitUntil(lambda: wanted not in waiting(e_window), timeout=10_000)

        press_sync(qtbot, m_window)
        name = _name(m_window, draft.subject_id)
        countersign = (f"Countersign {name}'s APR", draft.id)
        qtbot.waitUntil(lambda: countersign in waiting(m_window), timeout=10_000)
        assert m_notices == [1]
    finally:
        for window, runner, session in opened:
            window.close()
            runner.shutdown()
            session.close()


def _name(window, employee_id: int) -> str:
    from lcc_apr.ops.people import person_name

    return person_name(window.context.store, employee_id=employee_id)
