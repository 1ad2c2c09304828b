"""HR's export dialog: runs in a worker, shows progress, can be cancelled, lists failures."""

from __future__ import annotations

import time

import pytest

from lcc_apr.pdf.export import completed_records
from tests.test_pdf_export import department, fake_pdf, store  # noqa: F401 (fixtures)
from ui.export_dialog import ExportDialog
from ui.qt import QtWidgets
from ui.tasks import TaskRunner


@pytest.fixture
def make_dialog(qtbot, store, department):  # noqa: F811
    def make(runner, make_pdf=fake_pdf, folder=None):
        dialog = ExportDialog(store=store, runner=runner, make_pdf=make_pdf)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(dialog.department.isEnabled, timeout=10_000)  # the departments came
        dialog.department.setCurrentIndex(dialog.department.findData(department))
        if folder is not None:
            dialog.folder.setText(str(folder))
        return dialog

    return make


def test_export_runs_and_reports(make_dialog, store, department, tmp_path):  # noqa: F811
    dialog = make_dialog(TaskRunner(inline=True), folder=tmp_path)
    dialog.start()
    with store.session() as s:
        expected = len(completed_records(s, department))
    assert len(list(tmp_path.glob("*.pdf"))) == expected
    assert dialog.bar.value() == dialog.bar.maximum() == expected
    assert dialog.message.text() == f"{expected:,} PDFs written."
    assert dialog.start_button.isEnabled() and not dialog.cancel_button.isEnabled()
    for widget in dialog.findChildren(QtWidgets.QWidget):
        if isinstance(
            widget, QtWidgets.QAbstractButton | QtWidgets.QComboBox | QtWidgets.QLineEdit
        ):
            assert widget.accessibleName(), widget


def test_failures_are_listed(make_dialog, store, department, tmp_path):  # noqa: F811
    def broken(session, record_id):
        raise ValueError("the template is missing")

    dialog = make_dialog(TaskRunner(inline=True), make_pdf=broken, folder=tmp_path)
    dialog.start()
    assert dialog.failures.isVisibleTo(dialog) and dialog.failures.count() > 0
    assert "the template is missing" in dialog.failures.item(0).text()


def test_cancel_stops_a_running_export(qtbot, make_dialog, tmp_path):
    runner = TaskRunner()

    def slow(session, record_id):
        time.sleep(0.05)
        return fake_pdf(session, record_id)

    dialog = make_dialog(runner, make_pdf=slow, folder=tmp_path)
    task = dialog.start()
    qtbot.waitUntil(lambda: dialog.bar.value() >= 1, timeout=10_000)
    assert dialog.cancel_button.isEnabled()
    dialog.cancel()
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    assert dialog.message.text().startswith("Stopped:")
    assert dialog.result_.cancelled
    assert len(list(tmp_path.glob("*.pdf"))) < dialog.bar.maximum()
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
    assert gone.reads == 0 and not dialog.department.isEnabled()  # nothing read on building
    dialog.show()
    assert gone.reads == 1 and not dialog.department.isEnabled()
    assert dialog.message.text() == "The departments could not be read: the disk went away"
    dialog.hide()
    dialog.show()
    assert gone.reads == 1  # asked once
    dialog.start()
    assert dialog.message.text() == "Choose a department and a folder first."


def test_the_departments_arrive_from_a_threaded_read(qtbot, store):  # noqa: F811
    runner = TaskRunner()
    dialog = ExportDialog(store=store, runner=runner, make_pdf=fake_pdf)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.department.isEnabled, timeout=10_000)
    names = [dialog.department.itemText(i) for i in range(dialog.department.count())]
    assert names == sorted(names) and "Chief Executive's Department" in names
    runner.shutdown()
