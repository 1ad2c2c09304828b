"""File > Export for HR system…: what will be exported, counted per form and version;
the export written into the folder with the task runner; a past export made again byte
for byte; a Cancel that stops a running export with no file and no cursor moved."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from lcc_apr.hr import export as hr_export
from lcc_apr.models import HrExport
from lcc_apr.ops import hr_export as ops
from lcc_apr.ops.intake import accept
from tests.hr_records import completed_ids
from tests.ui.conftest import CATALOGUE
from ui.hr_export_dialog import HrExportDialog
from ui.qt import Qt, QtWidgets

from .conftest import HR, unnamed


def accepted(store, window, n: int) -> list[str]:
    hr = window.context.user
    ids = completed_ids(store, hr, n)
    accept(store, user=hr, record_ids=ids, catalogue=CATALOGUE, at=datetime.now(UTC))
    return ids


def opened(qtbot, window, folder: Path) -> HrExportDialog:
    dialog = window.open_hr_export()
    assert isinstance(dialog, HrExportDialog)
    qtbot.waitExposed(dialog)
    dialog.folder.setText(str(folder))
    qtbot.waitUntil(lambda: dialog.waiting is not None)
    return dialog


def logged(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count(HrExport.id))) or 0


def test_hr_exports_what_was_accepted_and_makes_it_again(qtbot, window_for, store, tmp_path):
    window = window_for(HR)
    accepted(store, window, 3)
    out = tmp_path / "out"
    out.mkdir()
    dialog = opened(qtbot, window, out)
    assert dialog.summary.text() == "3 records to export:\nSupervision, version 1: 3"
    assert dialog.export_button.isEnabled() and not dialog.cancel_button.isEnabled()
    assert not any(
        b.autoDefault() or b.isDefault() for b in dialog.findChildren(QtWidgets.QPushButton)
    )
    assert unnamed(dialog) == []
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    made = out / "hr-export-000001-000003"
    assert [p.name for p in out.iterdir()] == [made.name]
    assert (made / "supervision-v1.csv").read_text(encoding="utf-8-sig").count("\n") == 4
    assert dialog.message.text() == f"Wrote {made.name} (3 records) in {out}."
    assert dialog.summary.text().startswith("Nothing new")
    assert not dialog.export_button.isEnabled() and logged(store) == 1
    assert dialog.past.table.topLevelItemCount() == 1
    assert dialog.past.table.topLevelItem(0).text(1) == made.name

    again = tmp_path / "again"
    again.mkdir()
    dialog.folder.setText(str(again))
    qtbot.mouseClick(dialog.past.again_button, Qt.MouseButton.LeftButton)
    for path in made.iterdir():
        assert (again / made.name / path.name).read_bytes() == path.read_bytes()
    assert logged(store) == 1  # making again moves nothing


def test_xlsx_is_one_workbook(qtbot, window_for, store, tmp_path):
    window = window_for(HR)
    accepted(store, window, 2)
    out = tmp_path / "out"
    out.mkdir()
    dialog = opened(qtbot, window, out)
    dialog.formats["xlsx"].setChecked(True)
    dialog.start()
    assert [p.name for p in out.iterdir()] == ["hr-export-000001-000002.xlsx"]


def test_cancel_stops_the_export_and_leaves_nothing(
    qtbot, window_for, store, tmp_path, threaded_runner, monkeypatch
):
    window = window_for(HR, runner=threaded_runner)
    accepted(store, window, 30)
    monkeypatch.setattr(hr_export, "EVERY", 5)
    real, held = ops.export_to_hr, threading.Event()

    def held_while_writing(store, **kw):
        """The export waits, once it is writing, until the person has pressed Cancel."""
        cancel, report = kw["cancel"], kw["progress"]

        def progress(step):
            report(step)
            if step.text == hr_export.STEP:
                held.set()
                assert cancel.wait(10)

        return real(store, **{**kw, "progress": progress})

    monkeypatch.setattr(ops, "export_to_hr", held_while_writing)
    out = tmp_path / "out"
    out.mkdir()
    dialog = opened(qtbot, window, out)
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled())
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert held.wait(10) and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: "Writing the HR export" in dialog.bar.format())
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.task is None, timeout=10_000)
    assert dialog.message.text().startswith("Cancelled: no file was written")
    assert list(out.iterdir()) == [] and logged(store) == 0
    qtbot.waitUntil(lambda: dialog.waiting is not None)
    assert dialog.summary.text().startswith("30 records to export")  # the same, next time
    dialog.close()
