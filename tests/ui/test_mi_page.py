"""Management information (HR and managers) on the 50-person demo: the page, its filters,
each view's chart beside its table, the exports (audited, no names) and the committee pack
with Cancel; a manager sees only their area, staff see no page."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lcc_apr.mi.table import Cell, Chart, ChartKind, Dashboard, Row, Table
from lcc_apr.ops.audit import audit_entries
from lcc_apr.ops.mi import MI_EXPORTED
from ui.app import build_window
from ui.mi import exports
from ui.qt import Qt, QtWidgets

from .conftest import EMPLOYEE, HR, MANAGER, context_for

AUDITED = {"at", "user_id", "event", "view", "format", "sha256", "year", "department_id", "kind"}
MAGIC = {"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<?xml", "xlsx": b"PK"}


@pytest.fixture
def window_for(qtbot, demo_store_copy, settings, runner):
    def build(username, *, task_runner=None):
        window = build_window(
            context_for(demo_store_copy, username), settings=settings, runner=task_runner or runner
        )
        qtbot.addWidget(window)
        return window

    return build


@pytest.fixture
def save_as(monkeypatch, tmp_path):
    """The save dialog, answered with `tmp_path / name`."""

    def choose(name: str) -> Path:
        path = tmp_path / name
        monkeypatch.setattr(exports, "ask_save_path", lambda *_a: path)
        return path

    return choose


def shown(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    return window


def open_page(window, qtbot=None):
    window.show_page("mi")
    page = window.pages["mi"]
    if qtbot is not None:  # a threaded runner: wait for the figures
        qtbot.waitUntil(lambda: page.board is not None and not page.loading, timeout=10_000)
    return page


def choose(combo: QtWidgets.QComboBox, label: str) -> None:
    index = combo.findText(label)
    assert index >= 0, (label, [combo.itemText(i) for i in range(combo.count())])
    combo.setCurrentIndex(index)


def shown_texts(page) -> list[list[str]]:
    m = page.panel.model
    return [[m.text(r, c) for c in range(m.columnCount())] for r in range(m.rowCount())]


def every_text_of(board) -> list[str]:
    return [f"{r.label}={c.text}" for t in board.tables for r in t.rows for c in r.cells]


def every_text(page) -> list[str]:
    return every_text_of(page.board)


def test_hr_opens_the_page_and_each_filter_changes_the_figures(window_for):
    window = window_for(HR)
    assert "mi" in window.page_keys()
    assert window.actions_by_name["page_mi"].text().endswith("Management information")
    page = open_page(window)
    assert page.area.itemText(0) == "Whole council" and page.area.count() > 2
    assert page.year.itemText(0) == "2026/27"
    kinds = [page.kind.itemText(i) for i in range(page.kind.count())]
    assert kinds[0] == "All" and "Equality monitoring" in kinds
    council = page.board
    assert council.filters.department_id is None and council.tables
    assert page.views.count() == len(council.tables)
    assert page.state.text().startswith(council.area_title)
    choose(page.kind, "Annual Performance Reviews")
    apr = page.board
    assert apr.filters.kind == "apr" and 0 < len(apr.tables) < len(council.tables)
    assert [page.views.item(i).text() for i in range(page.views.count())] == [
        t.title for t in apr.tables
    ]
    choose(page.year, "2024/25")
    assert page.board.filters.year == 2024 and every_text(page) != every_text_of(apr)
    choose(page.area, page.area.itemText(1))  # a department
    department = page.board
    assert department.filters.department_id == page.area.currentData()
    assert department.area_title != council.area_title
    page.views.setCurrentRow(page.views.count() - 1)
    assert page.panel.table is department.tables[-1]


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_hr_exports_a_chart_audited_without_names(window_for, save_as, fmt):
    window = window_for(HR)
    page = open_page(window)
    table = page.panel.table
    path = save_as(f"chart.{fmt}")
    page.panel.chart_button.click()
    assert path.read_bytes().startswith(MAGIC[fmt])
    assert page.message.text() == f"Saved the chart “{table.title}” as chart.{fmt}."
    entry = audit_entries(window.context.store)[-1]
    assert entry["event"] == MI_EXPORTED and entry["view"] == table.key
    assert entry["format"] == fmt and entry["year"] == 2026
    assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert_no_names(window, page, entry)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_hr_exports_a_table_as_shown(qtbot, window_for, save_as, fmt):
    window = window_for(HR)
    page = open_page(window)
    choose(page.kind, "Equality monitoring")
    page.views.setCurrentRow(1)
    path = save_as(f"table.{fmt}")
    shown(qtbot, window)
    page.panel.grid.setFocus()
    qtbot.keyClick(page.panel.grid, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    if fmt == "csv":
        with path.open(encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    else:
        rows = [
            ["" if v is None else str(v) for v in row]
            for row in load_workbook(path).active.iter_rows(values_only=True)
        ]
    table = page.panel.table
    labels = [r[0] for r in rows if r]
    assert all(row.label in labels for row in table.rows)
    entries = [e for e in audit_entries(window.context.store) if e["event"] == MI_EXPORTED]
    assert len(entries) == 1 and entries[0]["view"] == table.key
    assert entries[0]["kind"] == "equality" and entries[0]["format"] == fmt
    assert_no_names(window, page, entries[0])


def assert_no_names(window, page, entry) -> None:
    """The audit row holds ids, the view, the format and the hash: no person's or area's
    name, no figure's label."""
    words = {window.context.user.display_name}
    words |= {page.area.itemText(i) for i in range(page.area.count())}
    words |= {r.label for t in page.board.tables for r in t.rows}
    values = [str(v) for v in entry.values()]
    assert not [w for w in words if any(w and w in v for v in values)]
    assert set(entry) <= {
        "at",
        "user_id",
        "event",
        "view",
        "format",
        "sha256",
        "year",
        "department_id",
        "kind",
    }


def test_the_committee_pack_is_written_and_a_cancelled_one_leaves_nothing(
    qtbot, window_for, save_as, threaded_runner
):
    window = window_for(HR, task_runner=threaded_runner)
    page = open_page(window, qtbot)
    path = save_as("pack.pdf")
    page.pack_button.click()
    assert page.packer.dialog is not None and page.packer.dialog.isVisible()
    qtbot.waitUntil(lambda: page.packer.task is None, timeout=30_000)
    assert path.read_bytes().startswith(b"%PDF")
    assert page.message.text() == "Saved the committee pack as pack.pdf."
    assert audit_entries(window.context.store)[-1]["view"] == "pack"
    gone = save_as("cancelled.pdf")
    page.pack_button.click()
    cancel = page.packer.dialog.findChild(QtWidgets.QPushButton)
    assert cancel.text() == "&Cancel"
    cancel.click()
    qtbot.waitUntil(lambda: page.packer.task is None, timeout=30_000)
    assert page.message.text() == "Cancelled: no committee pack was written."
    assert not gone.exists() and not list(gone.parent.glob("cancelled*"))
    assert [e["view"] for e in audit_entries(window.context.store)] == ["pack"]
    assert page.packer.dialog is None


def test_a_reply_for_filters_no_longer_chosen_is_dropped(qtbot, window_for, threaded_runner):
    window = window_for(HR, task_runner=threaded_runner)
    page = open_page(window, qtbot)
    first = page.board
    choose(page.year, "2025/26")
    assert page.loading and page.state.text() == "Loading…"
    choose(page.kind, "Probation")
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    assert page.board.filters == page.filters()
    assert page.board.filters.year == 2025 and page.board.filters.kind == "probation"
    page._loaded(first.filters, first)  # late: ignored
    assert page.board.filters.kind == "probation"


def test_a_manager_sees_only_their_area_and_no_equality(window_for):
    window = window_for(MANAGER)
    page = open_page(window)
    assert [page.area.itemText(i) for i in range(page.area.count())] == ["My area"]
    kinds = [page.kind.itemData(i) for i in range(page.kind.count())]
    assert "equality" not in kinds and "apr" in kinds
    assert page.board.tables and page.board.filters.department_id is None
    assert not [t for t in page.board.tables if t.key.startswith("equality")]


def test_staff_see_no_management_information(window_for):
    window = window_for(EMPLOYEE)
    assert "mi" not in window.page_keys()
    assert "page_mi" not in window.actions_by_name
    labels = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert "Management information" not in labels


def test_the_last_filters_are_remembered(window_for):
    page = open_page(window_for(HR))
    choose(page.year, "2024/25")
    choose(page.kind, "Supervisions")
    choose(page.area, page.area.itemText(2))
    area = page.area.currentText()
    again = open_page(window_for(HR))
    assert again.year.currentText() == "2024/25"
    assert again.kind.currentText() == "Supervisions"
    assert again.area.currentText() == area
    assert again.board.filters == page.board.filters
    manager = open_page(window_for(MANAGER))  # HR's choices are not a manager's
    assert manager.area.currentText() == "My area" and manager.kind.currentText() == "Supervisions"


def hand_made(page, *tables: Table) -> None:
    """Show a dashboard made here (as if the runner brought it for the filters chosen)."""
    filters = page.filters()
    page.asked = filters
    page._loaded(filters, Dashboard(filters, "Test council", tables))


GROUPS = Table(
    key="equality_apr_ethnicity",
    title="APR ratings by ethnicity",
    stub="Ethnicity",
    columns=("Staff", "Rated below meets", "Relative likelihood"),
    rows=(
        Row("White British", (Cell("30", 30), Cell("12", 12), Cell("0.90", 0.9))),
        Row("Not declared", (Cell("<10"), Cell("<10"), Cell("withheld"))),
        Row("Asian", (Cell("12", 12), Cell("10", 10), Cell("1.60", 1.6)), flagged=True),
        Row("Council", (Cell("50", 50), Cell("25", 25), Cell("1.00", 1.0)), total=True),
    ),
    chart=Chart(ChartKind.BAR, 2, "Relative likelihood", band=(0.8, 1.25)),
    definition="Staff rated below 'meets expectations'.",
    disclosure="Counts 1-9 shown as <10; rates from fewer than 10 withheld.",
)
EMPTY = Table(
    key="capability_stages",
    title="Capability cases by stage",
    stub="Stage",
    columns=("Cases",),
    rows=(),
    chart=Chart(ChartKind.BAR, 0, "Cases"),
    definition="Open capability cases.",
    disclosure="None",
    message="No capability cases in this area.",
)


def test_a_view_shows_its_table_beside_its_chart_with_flags_and_totals(window_for):
    page = open_page(window_for(HR))
    hand_made(page, GROUPS, EMPTY)
    panel = page.panel
    assert panel.stack.currentWidget() is panel.split
    assert shown_texts(page) == [
        ["White British", "30", "12", "0.90", ""],
        ["Not declared", "<10", "<10", "withheld", ""],
        ["Asian", "12", "10", "1.60", "▲"],
        ["Council", "50", "25", "1.00", ""],
    ]
    m = panel.model
    assert m.headerData(4, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) == "Outside band"
    assert (
        m.data(m.index(2, 4), Qt.ItemDataRole.AccessibleTextRole) == "Flagged: outside 0.8 to 1.25"
    )
    assert m.data(m.index(3, 0), Qt.ItemDataRole.FontRole).bold()
    assert m.data(m.index(0, 0), Qt.ItemDataRole.FontRole) is None
    assert "Asian" in panel.grid.accessibleDescription()
    assert panel.canvas.accessibleName() == "Chart: APR ratings by ethnicity"
    assert "table beside the chart holds the same figures" in panel.canvas.accessibleDescription()
    assert panel.canvas.figure.axes  # drawn
    definition = "What is counted: Staff rated below 'meets expectations'."
    assert panel.words.definition.text() == definition
    assert panel.words.disclosure.text().startswith("Disclosure control: Counts 1-9 shown as <10")
    assert panel.chart_button.isEnabled() and panel.table_button.isEnabled()
    page.views.setCurrentRow(1)
    assert panel.stack.currentWidget() is panel.message
    assert panel.message.text() == "No capability cases in this area."
    assert panel.model.rowCount() == 0
    assert not panel.chart_button.isEnabled() and not panel.table_button.isEnabled()
    page.export_current(chart=False)
    assert page.message.text() == "Choose a view with figures to export."
    hand_made(page)
    assert panel.message.text() == "Nothing to show for these filters."
    assert not page.pack_button.isEnabled()


def test_the_views_filter_and_the_keys(qtbot, window_for, save_as):
    window = shown(qtbot, window_for(HR))
    page = open_page(window)
    hand_made(page, GROUPS, EMPTY)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QtWidgets.QApplication.focusWidget() is page.view_filter
    qtbot.keyClicks(page.view_filter, "stage")
    assert [page.views.item(i).isHidden() for i in range(2)] == [True, False]
    path = save_as("keys.svg")
    qtbot.keyClick(
        page.views,
        Qt.Key.Key_E,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert path.exists()
    focusable = [
        w
        for w in page.findChildren(QtWidgets.QWidget)
        if w.isVisible() and w.focusPolicy() != Qt.FocusPolicy.NoFocus
    ]
    assert len(focusable) >= 10
    assert [type(w).__name__ for w in focusable if not w.accessibleName()] == []
    order, widget = [], page.area
    for _ in range(10):
        order.append(widget)
        widget = widget.nextInFocusChain()
        while not (widget.isVisible() and widget.focusPolicy() & Qt.FocusPolicy.TabFocus):
            widget = widget.nextInFocusChain()
    assert order == [
        page.area,
        page.year,
        page.kind,
        page.pack_button,
        page.view_filter,
        page.views,
        page.panel.grid,
        page.panel.words,
        page.panel.chart_button,
        page.panel.table_button,
    ]
