"""HR's export dialog: the department tree, kinds, cycle and dates, a live count before
starting; runs in a worker, shows progress ('12 of 49'), can be cancelled, lists failures."""

from __future__ import annotations

import csv
import re
import time

import pytest

from lcc_apr.models import RecordKind
from lcc_apr.pdf.export import Selection, count
from tests.test_pdf_export import department, fake_pdf, store  # noqa: F401 (fixtures)
from ui.export_dialog import ID, ExportDialog
from ui.qt import QtCore, QtWidgets
from ui.tasks import TaskRunner
from ui.theme import apply_appearance

CHECKED = QtCore.Qt.CheckState.Checked
PARTLY = QtCore.Qt.CheckState.PartiallyChecked
UNCHECKED = QtCore.Qt.CheckState.Unchecked


@pytest.fixture
def make_dialog(qtbot, store, department):  # noqa: F811
    def make(runner, make_pdf=fake_pdf, folder=None, tick=True):
        dialog = ExportDialog(store=store, runner=runner, make_pdf=make_pdf)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(dialog.tree.isEnabled, timeout=10_000)  # the departments came
        if tick:
            item = next(i for i in dialog.items() if i.data(ID) == department)
            item.setCheckState(CHECKED)
            dialog.recount()
        if folder is not None:
            dialog.folder.setText(str(folder))
        return dialog

    return make


def counted(store, selection: Selection) -> str:  # noqa: F811
    with store.session() as s:
        return count(s, selection).summary()


def test_export_runs_and_reports(make_dialog, store, department, tmp_path):  # noqa: F811
    dialog = make_dialog(TaskRunner(inline=True), folder=tmp_path)
    with store.session() as s:
        expected = count(s, Selection(frozenset({department}))).records
    assert dialog.count_line.text() == counted(store, Selection(frozenset({department})))
    assert dialog.start_button.isEnabled()
    dialog.start()
    written = list(tmp_path.rglob("*.pdf"))
    assert len(written) == expected and not list(tmp_path.glob("*.pdf"))  # in their folders
    with (tmp_path / "index.csv").open(newline="", encoding="utf-8-sig") as handle:
        assert len(list(csv.DictReader(handle))) == expected
    assert dialog.bar.value() == dialog.bar.maximum() == expected
    assert dialog.bar.text() == f"{expected:,} of {expected:,}"
    assert dialog.message.text() == f"{expected:,} PDFs written. The index is index.csv."
    assert dialog.start_button.isEnabled() and not dialog.cancel_button.isEnabled()
    assert dialog.tree.isEnabled() and dialog.folder.isEnabled()


CONTROLS = (
    QtWidgets.QAbstractButton,
    QtWidgets.QComboBox,
    QtWidgets.QLineEdit,
    QtWidgets.QTreeView,
    QtWidgets.QListWidget,
    QtWidgets.QDateEdit,
    QtWidgets.QProgressBar,
)


def test_every_control_has_a_name_and_its_own_alt_key(make_dialog):
    dialog = make_dialog(TaskRunner(inline=True))
    keys = []
    for widget in dialog.findChildren(QtWidgets.QWidget):
        inner = isinstance(widget.parent(), QtWidgets.QAbstractSpinBox | QtWidgets.QComboBox)
        if isinstance(widget, CONTROLS) and not inner:
            assert widget.accessibleName(), widget
        if isinstance(widget, QtWidgets.QAbstractButton | QtWidgets.QLabel):
            keys += [key.lower() for key in re.findall(r"&(\w)", widget.text())]
    assert len(keys) == len(set(keys)) and len(keys) >= 12, keys


def test_the_tree_holds_units_under_their_directorate_and_ticks_spread(make_dialog):
    dialog = make_dialog(TaskRunner(inline=True), tick=False)
    resources = dialog.item_named("Corporate Resources")
    units = [resources.child(row).text() for row in range(resources.rowCount())]
    assert "Finance" in units and "Pensions" in units
    assert dialog.count_line.text() == "Tick the departments to export."
    assert not dialog.start_button.isEnabled()
    resources.setCheckState(CHECKED)
    assert {resources.child(row).checkState() for row in range(resources.rowCount())} == {CHECKED}
    assert dialog.selection().departments == {resources.data(ID)}
    dialog.item_named("Finance").setCheckState(UNCHECKED)
    assert resources.checkState() == PARTLY
    chosen = dialog.selection().departments
    assert resources.data(ID) not in chosen and dialog.item_named("Pensions").data(ID) in chosen
    assert dialog.item_named("Finance").data(ID) not in chosen


def test_space_ticks_the_department_in_focus(qtbot, make_dialog):
    dialog = make_dialog(TaskRunner(inline=True), tick=False)
    finance = dialog.item_named("Finance")
    dialog.tree.setFocus()
    dialog.tree.setCurrentIndex(finance.index())
    qtbot.keyClick(dialog.tree, QtCore.Qt.Key.Key_Space)
    assert finance.checkState() == CHECKED
    assert dialog.item_named("Corporate Resources").checkState() == PARTLY


def test_the_count_line_follows_the_choices(qtbot, make_dialog, store, department):  # noqa: F811
    runner = TaskRunner()
    dialog = make_dialog(runner, tick=False)
    item = next(i for i in dialog.items() if i.data(ID) == department)
    item.setCheckState(CHECKED)  # counted in a worker once the ticking stops
    everything = counted(store, Selection(frozenset({department})))
    qtbot.waitUntil(lambda: dialog.count_line.text() == everything, timeout=10_000)
    assert re.fullmatch(r"[\d,]+ records, about [\d.,]+ MB", everything)
    assert dialog.start_button.isEnabled()
    dialog.kinds[RecordKind.SUPERVISION].setChecked(False)
    assert not dialog.start_button.isEnabled()  # until the new count is in
    fewer = counted(
        store,
        Selection(frozenset({department}), kinds=frozenset(RecordKind) - {RecordKind.SUPERVISION}),
    )
    qtbot.waitUntil(lambda: dialog.count_line.text() == fewer, timeout=10_000)
    assert fewer != everything
    dialog.cycle.setCurrentIndex(1)  # the newest cycle
    cycle = dialog.cycle.currentData()
    assert cycle.label == "2026-27"
    newest = counted(
        store,
        Selection(
            frozenset({department}),
            kinds=frozenset(RecordKind) - {RecordKind.SUPERVISION},
            cycles=(cycle,),
        ),
    )
    qtbot.waitUntil(lambda: dialog.count_line.text() == newest, timeout=10_000)
    dialog.between.setChecked(True)
    dialog.first.setDate(QtCore.QDate(2026, 12, 1))
    dialog.last.setDate(QtCore.QDate(2026, 1, 1))
    qtbot.waitUntil(
        lambda: dialog.count_line.text() == "The From date is after the To date.", timeout=10_000
    )
    assert not dialog.start_button.isEnabled()
    runner.shutdown()


def test_it_fits_a_small_screen_with_large_text(qtbot, qapp, store):  # noqa: F811
    apply_appearance(qapp, theme="system", text_scale=150)
    dialog = ExportDialog(store=store, runner=TaskRunner(inline=True), make_pdf=fake_pdf)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.item_named("Corporate Resources").setCheckState(CHECKED)
    dialog.tree.expandAll()
    dialog.failures.show()
    dialog.bar.show()
    needed = dialog.minimumSizeHint()
    assert needed.width() <= 1024 and needed.height() <= 700, needed
    assert dialog.width() <= 1024 and dialog.height() <= 700, dialog.size()


def test_failures_are_listed(make_dialog, store, department, tmp_path):  # noqa: F811
    def broken(session, record_id):
        raise ValueError("the template is missing")

    dialog = make_dialog(TaskRunner(inline=True), make_pdf=broken, folder=tmp_path)
    dialog.start()
    assert dialog.failures.isVisibleTo(dialog) and dialog.failures.count() > 0
    assert "the template is missing" in dialog.failures.item(0).text()
    with (tmp_path / "index.csv").open(newline="", encoding="utf-8-sig") as handle:
        results = {row["Result"] for row in csv.DictReader(handle)}
    assert results == {"not made: the template is missing"}


def test_cancel_stops_a_running_export(qtbot, make_dialog, tmp_path):
    runner = TaskRunner()

    def slow(session, record_id):
        time.sleep(0.05)
        return fake_pdf(session, record_id)

    dialog = make_dialog(runner, make_pdf=slow, folder=tmp_path)
    qtbot.waitUntil(dialog.start_button.isEnabled, timeout=10_000)  # counted
    task = dialog.start()
    qtbot.waitUntil(lambda: dialog.bar.value() >= 1, timeout=10_000)
    assert re.fullmatch(r"\d+ of \d+", dialog.bar.text())
    assert dialog.cancel_button.isEnabled() and not dialog.tree.isEnabled()
    dialog.cancel()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    assert dialog.message.text().startswith("Stopped:")
    assert dialog.result_.cancelled
    written = list(tmp_path.rglob("*.pdf"))
    assert len(written) < dialog.bar.maximum()
    with (tmp_path / "index.csv").open(newline="", encoding="utf-8-sig") as handle:
        assert len(list(csv.DictReader(handle))) == len(written)  # what was written is listed
    runner.shutdown()


class Unreadable:
    """A store that fails every read, and counts them."""

    def __init__(self) -> None:
        self.reads = 0

    def session(self):
        self.reads += 1
        raise OSError("the disk went away")


def test_the_departments_are_read_in_a_worker_once_it_shows(qtbot):
    gone = Unreadable()
    dialog = ExportDialog(store=gone, runner=TaskRunner(inline=True), make_pdf=fake_pdf)
    qtbot.addWidget(dialog)
    assert gone.reads == 0 and not dialog.tree.isEnabled()  # nothing read on building
    dialog.show()
    assert gone.reads == 1 and not dialog.tree.isEnabled()
    assert dialog.message.text() == "The departments could not be read: the disk went away"
    dialog.hide()
    dialog.show()
    assert gone.reads == 1  # asked once
    dialog.start()
    assert dialog.message.text() == "Tick the departments to export and choose a folder first."


def test_the_departments_arrive_from_a_threaded_read(qtbot, store):  # noqa: F811
    runner = TaskRunner()
    dialog = ExportDialog(store=store, runner=runner, make_pdf=fake_pdf)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.tree.isEnabled, timeout=10_000)
    names = [dialog.model.item(row).text() for row in range(dialog.model.rowCount())]
    assert names == sorted(names) and "Chief Executive's Department" in names
    assert dialog.cycle.count() > 2 and dialog.cycle.itemText(0) == "Any cycle"
    runner.shutdown()
