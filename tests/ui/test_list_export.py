"""File > Export list (Ctrl+E): the list on the page saved as CSV or XLSX, in a task, the
file chosen in a save dialog that starts in Documents. The file opens in openpyxl (or
Python's csv) with the rows the page shows, in its order."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lcc_apr.ops.audit import audit_entries
from ui import list_export
from ui.app import build_window
from ui.profile import ProfileWindow
from ui.qt import QtGui

from .conftest import EMPLOYEE, HR, MANAGER


def read(path: Path) -> list[list[str]]:
    """The file's rows as text (dates as ISO), whichever format."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig") as f:
            return list(csv.reader(f))
    rows = load_workbook(path).active.iter_rows(values_only=True)
    return [
        ["" if c is None else c.date().isoformat() if hasattr(c, "date") else str(c) for c in row]
        for row in rows
    ]


@pytest.fixture
def save_to(monkeypatch, tmp_path):
    """The save dialog, answered with a file in tmp_path; records what it was offered."""
    offered: list[str] = []

    def choose(name: str):
        def ask(_parent, default: str) -> Path:
            offered.append(default)
            return tmp_path / name

        monkeypatch.setattr(list_export, "ask_save_path", ask)

    choose.offered = offered  # type: ignore[attr-defined]
    return choose


def window_for(qtbot, make_context, runner, settings, username):
    window = build_window(make_context(username), settings=settings, runner=runner)
    qtbot.addWidget(window)
    return window


@pytest.mark.parametrize("name", ["team.csv", "team.xlsx"])
def test_a_managers_team_exports_with_the_rows_shown(
    qtbot, make_context, runner, settings, save_to, tmp_path, name
):
    window = window_for(qtbot, make_context, runner, settings, MANAGER)
    window.show_page("team")
    team = window.pages["team"]
    team.filter_box.setText("analyst")  # some of the team, as filtered
    shown = [team.model.row(i) for i in range(team.model.rowCount())]
    assert 0 < len(shown) < 10
    save_to(name)
    action = window.actions_by_name["export_list"]
    assert action.shortcut() == QtGui.QKeySequence("Ctrl+E")
    action.trigger()
    rows = read(tmp_path / name)
    assert rows[0][:3] == ["Name", "Payroll no.", "Job title"]
    assert [r[:3] for r in rows[1:]] == [[p.name, p.payroll_number, p.job_title] for p in shown]
    assert window.status.message.text() == f"Exported {len(shown)} rows to {name}."
    assert save_to.offered[0].startswith("My team 2026-11-30")


@pytest.mark.parametrize("name", ["records.csv", "records.xlsx"])
def test_hrs_all_records_export_every_matching_record_in_order(
    qtbot, make_context, runner, settings, save_to, tmp_path, name
):
    window = window_for(qtbot, make_context, runner, settings, HR)
    window.show_page("records")
    page = window.pages["records"]
    page.model.set_filter(person="Hunt")
    save_to(name)
    window.actions_by_name["export_list"].trigger()
    rows = read(tmp_path / name)
    shown = page.model.rows
    assert rows[0] == ["Person", "Payroll no.", "Record", "Date", "Stage"]
    assert [r[:3] + r[4:] for r in rows[1:]] == [
        [s.person, s.payroll_number, s.kind, s.status] for s in shown
    ]
    assert [r[3] for r in rows[1:]] == [s.record_date.isoformat() for s in shown]
    assert audit_entries(window.context.store)[-1]["list"] == "records"


def test_hr_everyone_and_a_profile_export_too(
    qtbot, make_context, runner, settings, save_to, tmp_path
):
    window = window_for(qtbot, make_context, runner, settings, HR)
    window.show_page("hr")
    save_to("everyone.xlsx")
    window.actions_by_name["export_list"].trigger()
    assert len(read(tmp_path / "everyone.xlsx")) == 51
    profile = ProfileWindow(make_context(HR), runner, 26)
    qtbot.addWidget(profile)
    save_to("will.csv")
    profile.export_button.click()
    assert len(read(tmp_path / "will.csv")) == len(profile.profile.records) + 1
    assert profile.message.text() == f"Exported {len(profile.profile.records)} rows to will.csv."


def test_staff_have_no_list_to_export(qtbot, make_context, runner, settings):
    window = window_for(qtbot, make_context, runner, settings, EMPLOYEE)
    assert not window.actions_by_name["export_list"].isEnabled()
    window.export_list()
    assert window.status.message.text() == "This page has no list to export."


def test_the_save_dialog_starts_in_documents(monkeypatch, qapp):
    seen = []

    def dialog(_parent, _title, start, filters):
        seen.append((start, filters))
        return str(Path(start).with_suffix("")), "Excel workbook (*.xlsx)"

    monkeypatch.setattr(list_export.QtWidgets.QFileDialog, "getSaveFileName", dialog)
    path = list_export.ask_save_path(None, "My team 2026-11-30")
    assert seen[0][0] == str(list_export.documents_folder() / "My team 2026-11-30.csv")
    assert path == list_export.documents_folder() / "My team 2026-11-30.xlsx"


def test_a_persons_records_dialog_exports_its_rows(qtbot, make_context, runner, save_to, tmp_path):
    from ui.records import EmployeeRecords

    dialog = EmployeeRecords(make_context(HR), runner, 26)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0)
    save_to("records.xlsx")
    assert dialog.export_button.isVisibleTo(dialog)
    dialog.export_button.click()
    rows = read(tmp_path / "records.xlsx")
    assert len(rows) == dialog.model.rowCount() + 1
    assert dialog.message.text() == f"Exported {dialog.model.rowCount()} rows to records.xlsx."
